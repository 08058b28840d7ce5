"""How the TUI words things: barcode problems, outbox entries, the ledger's refusals, ages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storeapp.cache.outbox import Entry
from storeapp.i18n import Translator, active, use
from storeapp.tui.format import clock_time, describe_operation, refusal_reason, view_age
from storeapp.wording.catalog import barcode_problem

NOON = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 12:00 in Paris


@pytest.fixture(params=["en_GB", "fr_FR"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    before = active()
    use(Translator(request.param, "Europe/Paris"))
    yield request.param
    use(before)


def entry(payload: dict[str, Any], summary: str = "something") -> Entry:
    return Entry(1, "op", str(payload.get("op")), summary, payload, "pending", NOON, 0, None, None)


def test_a_job_s_operation_names_the_job_by_the_start_that_tells_it_apart() -> None:
    first = "01a25037-1c2d-7000-8000-000000000001"
    move = {"op": "job_transition", "job_id": first, "to": "picked"}
    short = {"op": "reject_line", "job_id": first, "line_no": 1, "reason": "mismatch"}
    cuts = {first: "01a25037-1c2d-7000-8000-0000000000"}
    assert describe_operation(entry(move), cuts) == f"Job {cuts[first]} → picked"
    assert describe_operation(entry(short), cuts) == (
        f"Short pick · job {cuts[first]} line 1 (not the item ordered)"
    )
    # A job the cache no longer holds: its first 8 characters.
    assert describe_operation(entry(move)) == "Job 01a25037 → picked"


def test_barcode_problems_are_worded_in_the_store_language(language: str) -> None:
    english = language == "en_GB"
    assert barcode_problem("3760000000019", None) == (
        "the check digit should be 7, not 9"
        if english
        else "la clé de contrôle devrait être 7, pas 9"
    )
    assert barcode_problem("376000000001", None) == (
        "a barcode has 8 or 13 digits, not 12"
        if english
        else "un code-barres a 8 ou 13 chiffres, pas 12"
    )


def test_an_outbox_entry_says_what_it_does() -> None:
    sale = {"op": "movements", "lines": [{"kind": "sale", "sku": "S1", "qty": 2}]}
    assert describe_operation(entry(sale)) == "Sale 2 × S1"  # noqa: RUF001
    fix = {"op": "movements", "lines": [{"kind": "adjustment", "sku": "S1", "delta": -3}]}
    assert describe_operation(entry(fix)) == "Adjustment -3 × S1"  # noqa: RUF001
    count = {"op": "count", "sku": "S1"}
    assert describe_operation(entry(count, "count S1 = 4")) == "Count · count S1 = 4"
    assert describe_operation(entry({"op": "future"}, "a new kind")) == "a new kind"


def test_a_refusal_gives_the_ledger_reason_and_its_quantities() -> None:
    problem = {
        "type": "urn:ordersync:problem:insufficient-stock",
        "title": "Not enough stock available",
        "status": 409,
        "detail": "only 1 of S1 available at A",
        "requested": 3,
        "available": 1,
    }
    assert refusal_reason(problem) == (
        "Not enough stock available: only 1 of S1 available at A (requested 3, available 1)"
    )
    assert refusal_reason(None) == "refused by the ledger (no reason given)"
    assert refusal_reason({"status": 422}) == "refused by the ledger (no reason given)"


def test_ages_and_times_in_the_store_time_zone(language: str) -> None:
    english = language == "en_GB"
    assert view_age(None) == ("never synced" if english else "jamais synchronisé")
    assert view_age(timedelta(seconds=20)) == ("view up to date" if english else "vue à jour")
    assert view_age(timedelta(minutes=3)) == (
        "view 3 mins old" if english else "vue d'il y a 3\xa0min"
    )
    assert clock_time(NOON - timedelta(minutes=5), NOON) == "11:55"
    yesterday = clock_time(NOON - timedelta(days=1), NOON)
    assert yesterday == ("1 Mar 12:00" if english else "1 mars 12:00")
