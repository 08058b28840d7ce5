"""French postal codes to coordinates, through the department a code belongs to.

The table (``french_departments.csv``, shipped as package data) has one row per department: its
code, name, prefecture and the prefecture's coordinates, and the postal-code prefixes that
belong to it. A 5-digit French postal code starts with its department's number: two digits in
metropolitan France (``69002`` is the Rhône), three overseas (``97411`` is La Réunion); Corsica
shares ``20`` and splits on the third digit (``200xx``-``201xx`` Corse-du-Sud, ``202xx``-``206xx``
Haute-Corse); Saint-Barthélemy and Saint-Martin have a code of their own inside Guadeloupe's
``971``. The longest prefix a code starts with names its department, so an exception is a row of
the table, not a branch of code.

Promises: a code is placed at its department's prefecture (close enough to rank stores by
distance; routing needs no more); a malformed code and a code no department holds are told
apart (``PostalCodeProblem``); the table is read once, and a broken table (a prefix claimed by
two departments, coordinates out of range) fails loudly at the first lookup, never answers
wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

COUNTRIES = ("FR",)
"""Countries whose postal codes the table places (ISO 3166-1 alpha-2)."""
TABLE = "french_departments.csv"
CODE_LENGTH = 5


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    """``01``-``95``, ``2A``, ``2B``, or ``971``-``978`` overseas."""
    name: str
    prefecture: str
    latitude: float
    longitude: float
    postal_prefixes: tuple[str, ...]
    """The starts of the postal codes that belong to it."""


class PostalCodeProblem(StrEnum):
    """Why a postal code has no coordinates; stable codes for the front ends to translate."""

    MALFORMED = "malformed"
    """Not five digits."""
    UNKNOWN = "unknown"
    """Five digits, but no department holds codes starting that way."""
    COUNTRY = "country"
    """A country whose postal codes the table does not place."""


class PostalCodeError(ValueError):
    def __init__(self, problem: PostalCodeProblem, postal_code: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.postal_code = postal_code
        self.message = message


def normalise_postal_code(postal_code: str) -> str:
    """``69 002`` as ``69002``: people type the space some addresses print."""
    return "".join(postal_code.split())


@cache
def french_departments() -> tuple[Department, ...]:
    """Every department of the table, in its order (read once)."""
    source = resources.files("ordersync.geo").joinpath(TABLE)
    rows = csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline=""))
    departments = tuple(_department(row) for row in rows)
    _by_prefix(departments)  # a prefix claimed twice fails here, before any answer
    return departments


def _department(row: dict[str, str]) -> Department:
    latitude, longitude = float(row["latitude"]), float(row["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"{TABLE}: {row['department']} has coordinates out of range")
    prefixes = tuple(row["postal_prefixes"].split())
    if not prefixes or not all(p.isdigit() and 2 <= len(p) <= CODE_LENGTH for p in prefixes):
        raise ValueError(f"{TABLE}: {row['department']} has malformed postal prefixes")
    return Department(
        code=row["department"],
        name=row["name"],
        prefecture=row["prefecture"],
        latitude=latitude,
        longitude=longitude,
        postal_prefixes=prefixes,
    )


def _by_prefix(departments: tuple[Department, ...]) -> dict[str, Department]:
    found: dict[str, Department] = {}
    for department in departments:
        for prefix in department.postal_prefixes:
            if prefix in found:
                raise ValueError(
                    f"{TABLE}: postal prefix {prefix} belongs to both "
                    f"{found[prefix].code} and {department.code}"
                )
            found[prefix] = department
    return found


@cache
def _prefixes() -> dict[str, Department]:
    return _by_prefix(french_departments())


def department_of(postal_code: str) -> Department:
    """The department a French postal code belongs to, or ``PostalCodeError``."""
    code = normalise_postal_code(postal_code)
    if len(code) != CODE_LENGTH or not (code.isascii() and code.isdigit()):
        raise PostalCodeError(
            PostalCodeProblem.MALFORMED,
            postal_code,
            f"a French postal code has {CODE_LENGTH} digits, not {postal_code!r}",
        )
    prefixes = _prefixes()
    for length in range(CODE_LENGTH, 1, -1):
        department = prefixes.get(code[:length])
        if department is not None:
            return department
    raise PostalCodeError(
        PostalCodeProblem.UNKNOWN,
        code,
        f"postal code {code} belongs to no French department in the table",
    )


def coordinates_of(postal_code: str, country: str = "FR") -> tuple[float, float]:
    """(latitude, longitude) of the prefecture of the postal code's department."""
    if country.upper() not in COUNTRIES:
        raise PostalCodeError(
            PostalCodeProblem.COUNTRY,
            postal_code,
            f"postal codes of {country} cannot be placed (only {', '.join(COUNTRIES)}): "
            "give latitude and longitude",
        )
    department = department_of(postal_code)
    return department.latitude, department.longitude
