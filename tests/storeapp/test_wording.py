"""The store's sentences exist once: every text of ``storeapp.wording`` has its French translation
in ``common.po``; the package imports no front end; spans and ages follow one rule; and the
command and the terminal UI explain the same routing decision with the same sentences."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import storeapp.wording
from ordersync.clock import ManualClock
from storeapp import cli
from storeapp.context import StoreContext
from storeapp.i18n import Translator, active, use
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from storeapp.wording.figures import (
    NO_VALUE,
    age_text,
    change_text,
    cover_days,
    distance_text,
    due_text,
    span,
)
from tests.support.catalogs import fields, french_catalog, texts_under
from tests.support.cli import clean_store_environment, in_process_shell, set_up
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.tui import deterministic_app, look_up, settle

WORDING = Path(storeapp.wording.__file__).parent
FRONT_ENDS = ("rich", "textual", "storeapp.tui", "storeapp.cli")


@pytest.fixture(params=["en_GB", "fr_FR"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    before = active()
    use(Translator(request.param, "Europe/Paris"))
    yield request.param
    use(before)


# --- one catalog, no front end -------------------------------------------------------------


def test_the_scan_finds_the_texts_it_should() -> None:
    assert {"assigned", "{days} d", "not needed", "Promised by {date}."} <= texts_under(WORDING)


def test_every_text_of_the_wording_has_a_french_translation_with_the_same_fields() -> None:
    french = french_catalog("common.po")
    texts = texts_under(WORDING)
    assert sorted(t for t in texts if not french.get(t)) == []
    assert sorted(t for t in texts if fields(t) != fields(french[t])) == []
    assert sorted(set(french) - texts) == []  # nothing left over from removed texts


def test_the_wording_imports_no_front_end() -> None:
    for path in WORDING.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(FRONT_ENDS), f"{path.name} imports {name}"
    modules = " ".join(f"storeapp.wording.{path.stem}" for path in WORDING.glob("*.py"))
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {modules.replace(' ', ', ')}; print(*sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m.startswith(("textual", "storeapp.tui", "storeapp.cli"))] == []


# --- one rule for spans, ages and figures --------------------------------------------------


def test_a_span_is_in_minutes_then_hours_then_days_after_48_hours(language: str) -> None:
    english = language == "en_GB"
    assert span(timedelta(minutes=25, seconds=59)) == "25 min"
    assert span(timedelta(hours=2, minutes=5)) == "2 h 05"
    assert span(timedelta(hours=47, minutes=59)) == "47 h 59"
    assert span(timedelta(hours=50)) == ("2 d" if english else "2 j")
    assert span(timedelta(minutes=-5)) == "0 min"
    assert due_text(timedelta(minutes=-40)) == ("late 40 min" if english else "retard 40 min")
    assert due_text(timedelta(hours=1)) == ("in 1 h 00" if english else "dans 1 h 00")


def test_ages_cover_changes_and_distances(language: str) -> None:
    english = language == "en_GB"
    assert age_text(timedelta(seconds=30)) == ("just now" if english else "à l'instant")
    assert age_text(timedelta(minutes=12)) == ("12 mins old" if english else "il y a 12\xa0min")
    assert cover_days(1.66) == ("1.7 d" if english else "1,7 j")
    assert cover_days(None) == NO_VALUE
    assert change_text(12.4) == "+12 %"
    assert change_text(None) == NO_VALUE
    assert distance_text(391.64) == ("391.6 km" if english else "391,6 km")
    assert distance_text(None) == ("unknown distance" if english else "distance inconnue")


# --- the same explanation in both front ends -----------------------------------------------


def explanation_in_the_tui(outcome: str, why: str) -> list[str]:
    """The lines under ``why`` ("Why:") in the order screen's outcome (each indented)."""
    lines = outcome.splitlines()
    start = lines.index(why)
    explained = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        explained.append(line.strip())
    return explained


def explanation_in_the_cli(out: str) -> list[str]:
    """The lines of the first decision ``storeapp routing`` prints (each indented)."""
    lines = out.splitlines()
    explained = []
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        explained.append(line.strip())
    return explained


@pytest.mark.parametrize("locale", ["en_GB", "fr_FR"])
async def test_the_cli_and_the_tui_explain_a_routing_decision_with_the_same_sentences(
    locale: str,
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receive(ledger, network, "S1", "B", 3)  # only B holds it: A and the warehouse lose
    assert store.sync.sync_once().online
    app = deterministic_app(store, Translator(locale, "Europe/Paris"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        assert isinstance(app.screen, ItemScreen)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrderScreen)
        screen.field("name").value = "Camille Martin"
        screen.field("email").value = "camille@example.org"
        await pilot.press("ctrl+s")  # collected here, the form's first choice
        await settle(pilot)
        outcome = str(screen.query_one(OrderOutcomeView).render())
    [order_id] = re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", outcome)
    in_the_tui = explanation_in_the_tui(outcome, Translator(locale)("Why:"))

    clean_store_environment(monkeypatch, tmp_path / "cli")
    monkeypatch.setenv("STOREAPP_LOCALE", locale)
    sh = in_process_shell(ledger, clock, capsys)
    set_up(sh, network)
    routing = sh("routing", order_id)
    assert routing.code == cli.EXIT_OK, routing
    in_the_cli = explanation_in_the_cli(routing.out)

    assert in_the_tui == in_the_cli
    assert [line[0] for line in in_the_cli] == ["✔", "✘", "✘"], in_the_cli
    assert "B — Store B" in in_the_cli[0]
