"""Where an address is: the table of French departments shipped with the package, and the lookup
that turns a postal code into the coordinates routing measures distances from.

It depends on nothing but the standard library, so the wire contract (and through it a store
terminal) can check a postal code without loading the server.
"""

from __future__ import annotations

from ordersync.geo.postal_codes import (
    COUNTRIES,
    Department,
    PostalCodeError,
    PostalCodeProblem,
    coordinates_of,
    department_of,
    french_departments,
    normalise_postal_code,
)

__all__ = [
    "COUNTRIES",
    "Department",
    "PostalCodeError",
    "PostalCodeProblem",
    "coordinates_of",
    "department_of",
    "french_departments",
    "normalise_postal_code",
]
