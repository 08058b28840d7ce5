"""The table of French departments shipped with the package, and the lookup from a postal code
to the coordinates of its department's prefecture."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

import pytest

from ordersync.geo import (
    PostalCodeError,
    PostalCodeProblem,
    coordinates_of,
    department_of,
    french_departments,
)

METROPOLITAN = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
OVERSEAS = ["971", "972", "973", "974", "975", "976"]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(radians, p)) for p in (a, b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * asin(sqrt(h))


def test_every_department_is_in_the_table_once() -> None:
    codes = [d.code for d in french_departments()]
    assert len(codes) == len(set(codes))
    assert set(METROPOLITAN) | set(OVERSEAS) <= set(codes)
    assert len(METROPOLITAN) == 96


@pytest.mark.parametrize("code", [c for c in METROPOLITAN if c not in ("2A", "2B")])
def test_a_metropolitan_code_belongs_to_the_department_of_its_two_first_digits(code: str) -> None:
    department = department_of(f"{code}100")
    assert department.code == code
    # Every prefecture of metropolitan France lies inside its bounding box.
    assert 41.3 < department.latitude < 51.1
    assert -5.2 < department.longitude < 9.6


@pytest.mark.parametrize(
    ("postal_code", "department", "prefecture"),
    [
        ("20000", "2A", "Ajaccio"),
        ("20090", "2A", "Ajaccio"),
        ("20137", "2A", "Ajaccio"),  # Porto-Vecchio
        ("20169", "2A", "Ajaccio"),  # Bonifacio
        ("20200", "2B", "Bastia"),
        ("20250", "2B", "Bastia"),  # Corte
        ("20260", "2B", "Bastia"),  # Calvi
        ("20600", "2B", "Bastia"),
    ],
)
def test_corsica_splits_on_the_third_digit(
    postal_code: str, department: str, prefecture: str
) -> None:
    found = department_of(postal_code)
    assert (found.code, found.prefecture) == (department, prefecture)


@pytest.mark.parametrize(
    ("postal_code", "department", "prefecture"),
    [
        ("97100", "971", "Basse-Terre"),
        ("97200", "972", "Fort-de-France"),
        ("97300", "973", "Cayenne"),
        ("97400", "974", "Saint-Denis"),
        ("97500", "975", "Saint-Pierre"),
        ("97600", "976", "Mamoudzou"),
        ("97133", "977", "Gustavia"),  # Saint-Barthélemy, inside Guadeloupe's 971
        ("97150", "978", "Marigot"),  # Saint-Martin
    ],
)
def test_overseas_codes_use_three_digits_and_the_longest_prefix_wins(
    postal_code: str, department: str, prefecture: str
) -> None:
    found = department_of(postal_code)
    assert (found.code, found.prefecture) == (department, prefecture)


def test_coordinates_are_the_prefectures_and_measure_real_distances() -> None:
    paris, lyon, marseille = (coordinates_of(c) for c in ("75001", "69002", "13001"))
    assert paris == pytest.approx((48.8566, 2.3522), abs=0.01)
    assert lyon == pytest.approx((45.764, 4.8357), abs=0.01)
    # Great-circle distances between the prefectures, as any map gives them.
    assert km(paris, lyon) == pytest.approx(392, abs=8)
    assert km(lyon, marseille) == pytest.approx(278, abs=8)
    assert km(coordinates_of("59000"), coordinates_of("64000")) == pytest.approx(855, abs=15)
    assert km(coordinates_of("97400"), coordinates_of("97600")) == pytest.approx(1430, abs=40)


def test_a_space_inside_the_code_is_ignored() -> None:
    assert department_of(" 69 002 ").code == "69"


@pytest.mark.parametrize(
    "postal_code", ["", "6900", "690021", "69O02", "abcde", "\uff16\uff19\uff10\uff10\uff12"]
)
def test_a_malformed_code_is_told_apart(postal_code: str) -> None:
    with pytest.raises(PostalCodeError) as caught:
        department_of(postal_code)
    assert caught.value.problem is PostalCodeProblem.MALFORMED
    assert "5 digits" in caught.value.message


@pytest.mark.parametrize("postal_code", ["00100", "20700", "96000", "98000", "97700", "99999"])
def test_a_code_no_department_holds_is_unknown(postal_code: str) -> None:
    with pytest.raises(PostalCodeError) as caught:
        department_of(postal_code)
    assert caught.value.problem is PostalCodeProblem.UNKNOWN
    assert postal_code in caught.value.message


def test_another_country_cannot_be_placed() -> None:
    with pytest.raises(PostalCodeError) as caught:
        coordinates_of("10115", "DE")
    assert caught.value.problem is PostalCodeProblem.COUNTRY
    assert coordinates_of("69002", "fr") == coordinates_of("69002")
