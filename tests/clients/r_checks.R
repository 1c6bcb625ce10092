# Appended to the README's R snippet by tests/clients/test_clients_r.py: what read_table() made of the package, as
# JSON, for the test to compare with the CSVs.
names <- vapply(package$resources, function(r) r$name, "")
tables <- setNames(lapply(names, read_table), names)
problems <- unlist(lapply(tables, function(t) nrow(readr::problems(t))))
delegations <- tables$delegations
persons <- tables$persons
places <- tables$places
roles <- merge(tables$roles, persons, by = "person_id", suffixes = c("", ".person"))
cat(jsonlite::toJSON(list(
  rows = lapply(tables, nrow),
  parse_problems = as.list(problems),
  classes = lapply(tables, function(t) lapply(t, function(column) class(column)[1])),
  cameo_first = tables$cameo_codes$cameo_code[1],
  sizes = setNames(as.list(delegations$stated_size), delegations$delegation_id),
  latitudes = setNames(as.list(places$latitude), places$place_id),
  roles_resolved = nrow(roles),
  published = format(tables$sources$published[1], "%Y-%m-%dT%H:%M:%S")
), auto_unbox = TRUE, na = "null", digits = NA))
