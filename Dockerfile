# A public copy of the dataset's server: the same command line as `make serve` (scripts/datasette_app.py: two
# uvicorn workers, response cache, gzip, security headers, SQLite authorizer and limits), listening on all
# interfaces of the container, run by an unprivileged user on a database it cannot write.
#   docker build -t dataset-server . && docker run --rm -p 127.0.0.1:8001:8001 dataset-server
# Put it behind a reverse proxy that terminates TLS and limits request rates (SECURITY.md, "What the server exposes").
FROM python:3.11-slim
WORKDIR /srv/dataset
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY datapackage.json ./
COPY schemas/ schemas/
COPY data/ data/
COPY seeds/ seeds/
COPY scripts/ scripts/
COPY datasette/ datasette/
# The build runs the check and refuses an invalid package; then build/ is made read-only.
RUN python -m scripts.build_sqlite && chmod -R a-w build
USER nobody
EXPOSE 8001
CMD ["python", "-m", "scripts.datasette_app", "--host", "0.0.0.0", "--port", "8001", "--workers", "2"]
