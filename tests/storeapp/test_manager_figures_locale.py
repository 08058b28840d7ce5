"""The manager's figures as a French manager reads them: decimal commas, percents, a trend row
named by its colour, and less than nothing available shown as 0 with its mark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role, TrendRow
from storeapp import cli
from storeapp.i18n import Translator, active, use
from storeapp.wording.figures import (
    available_text,
    change_text,
    cover_days,
    overdrawn_note,
    percent,
    rate,
    signed,
)
from storeapp.wording.manager import trend_row_label
from tests.support.cli import LEDGER, Shell, line_with
from tests.support.ledger_harness import Network
from tests.support.store import receive

SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


@pytest.fixture
def french() -> Iterator[None]:
    before = active()
    use(Translator("fr_FR"))
    yield
    use(before)


def plain(text: str) -> str:
    """French puts (narrow) no-break spaces before ``%``: compared as plain spaces."""
    return text.translate(SPACES)


@pytest.mark.usefixtures("french")
def test_french_figures_use_the_comma() -> None:
    assert rate(0.167) == "0,2"
    assert rate(3) == "3"
    assert cover_days(1.74) == "1,7 j"
    assert cover_days(0.0) == "0 j"
    assert plain(percent(0.95)) == "95 %"
    assert plain(change_text(12.4)) == "+12 %"
    assert (signed(3), signed(-2), signed(0)) == ("+3", "-2", "0")


def test_english_figures_keep_the_point() -> None:
    assert rate(0.167) == "0.2"
    assert cover_days(1.74) == "1.7 d"
    assert percent(0.95) == "95%"


@pytest.mark.usefixtures("french")
def test_less_than_nothing_available_shows_as_0_and_is_flagged() -> None:
    assert available_text(-1) == "0 !"
    assert available_text(0) == "0"
    assert available_text(1200) == plain(available_text(1200)).replace(" ", "\u202f")
    assert overdrawn_note().startswith("! plus de réservé")


def _trend_row(sku: str, colour: str) -> TrendRow:
    return TrendRow(
        sku=sku,
        size="100C",
        location="PAR-01",
        colour=colour,
        series=[1],
        total=1,
        recent_units=1,
        previous_units=0,
        change_pct=None,
    )


def test_one_size_in_two_colours_reads_as_two_rows() -> None:
    ivory, black = _trend_row("B-IVOI-100C", "IVOI"), _trend_row("B-NOIR-100C", "NOIR")
    assert trend_row_label(ivory) == "100C IVOI PAR-01"
    assert trend_row_label(black) == "100C NOIR PAR-01"
    older = TrendRow.model_validate(ivory.model_dump(exclude={"colour"}))
    assert trend_row_label(older) == "100C PAR-01"  # an older ledger says no colour


def test_the_risk_report_speaks_french_numbers(
    sh: Shell,
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STOREAPP_LOCALE")
    receive(ledger, network, "S1", "A", 2)
    token = network.token("A", Role.MANAGER)
    result = sh("setup", "--ledger", LEDGER, "--token", token, "--locale", "fr_FR")
    assert result.code == cli.EXIT_OK, result
    for _ in range(2):  # 2 sold in the window's days in stock: a fraction a day
        clock.advance(timedelta(days=3))
        assert sh("sell", "S1").code == cli.EXIT_OK
        assert sh("sync", "--once").code == cli.EXIT_OK
    clock.advance(timedelta(days=1))
    risk = sh("insights", "risk")
    assert risk.code == cli.EXIT_OK, risk
    row = line_with(risk.out, "S1")
    assert "0,3" in row or "0,4" in row, row
    assert "0.3" not in row, row
    assert "0.4" not in row, row
    assert "0 j" in row, row
