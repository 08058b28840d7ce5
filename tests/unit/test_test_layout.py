"""Rules of the test tree itself, checked over every module under ``tests/``.

- No module imports a conftest module: pytest loads conftests itself, so an import makes a
  second copy of the module and hides a helper library where fixtures belong. Helpers live in
  ``tests/support``.
- No module imports a test module (one named ``test_*.py``): a helper two test modules share
  lives in ``tests/support``, where it is written once, and a test module stays free to change
  what it defines without breaking another one.
- No assertion compares a duration read from the real clock: on a loaded machine such a test
  fails for nothing. Budgets are measured in ``bench/``; a test checks the same promise
  deterministically (the timeout a request was sent with, a count of attempts, a fake clock).

Each rule is a scanner over source text, tested on samples below, then run over the tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CLOCK_READINGS = frozenset(
    {"monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time", "time_ns"}
)
"""Functions of the ``time`` module whose differences measure how long something took."""


def _imports(source: str) -> Iterator[tuple[int, list[str]]]:
    """Each import of ``source``: its line, and every dotted name it may name a module by (the
    names of ``from package import name`` may be modules of the package)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, [node.module or "", *(alias.name for alias in node.names)]


def conftest_imports(source: str) -> list[int]:
    """Lines of ``source`` that import a conftest module (absolutely or relatively)."""
    return [
        line
        for line, names in _imports(source)
        if any("conftest" in name.split(".") for name in names)
    ]


def imports_of_test_modules(source: str) -> list[int]:
    """Lines of ``source`` that import a test module (absolutely or relatively)."""
    return [
        line
        for line, names in _imports(source)
        if any(part.startswith("test_") for name in names for part in name.split("."))
    ]


class _ClockUse:
    """What in one module reads the real clock, and what measures a duration with it.

    A reading is a call of a clock function, or a name assigned from one (``started``); a
    duration is a difference with a reading in it, or a name assigned from one (``elapsed``).
    Both flow through assignments: ``taken = monotonic() - started; total += taken``.
    """

    def __init__(self, tree: ast.Module) -> None:
        self.modules = {"time"}
        self.functions: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.modules |= {a.asname or a.name for a in node.names if a.name == "time"}
            elif isinstance(node, ast.ImportFrom) and node.module == "time":
                self.functions |= {
                    a.asname or a.name for a in node.names if a.name in CLOCK_READINGS
                }
        assignments = [
            (targets, value)
            for node in ast.walk(tree)
            for targets, value in [_assignment(node)]
            if value is not None
        ]
        self.readings = _spread(assignments, self.reads)
        self.durations = _spread(assignments, self.measures)

    def calls_clock(self, expression: ast.expr) -> bool:
        for node in ast.walk(expression):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            if isinstance(called, ast.Name) and called.id in self.functions:
                return True
            if (
                isinstance(called, ast.Attribute)
                and called.attr in CLOCK_READINGS
                and isinstance(called.value, ast.Name)
                and called.value.id in self.modules
            ):
                return True
        return False

    def reads(self, expression: ast.expr, readings: set[str]) -> bool:
        return self.calls_clock(expression) or _mentions(expression, readings)

    def measures(self, expression: ast.expr, durations: set[str]) -> bool:
        if _mentions(expression, durations):
            return True
        return any(
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Sub)
            and (self.reads(node.left, self.readings) or self.reads(node.right, self.readings))
            for node in ast.walk(expression)
        )


def _assignment(node: ast.AST) -> tuple[set[str], ast.expr | None]:
    if isinstance(node, ast.Assign):
        return {ast.unparse(target) for target in node.targets}, node.value
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
        return {ast.unparse(node.target)}, node.value
    return set(), None


def _mentions(expression: ast.expr, names: set[str]) -> bool:
    return any(
        isinstance(node, ast.Name | ast.Attribute) and ast.unparse(node) in names
        for node in ast.walk(expression)
    )


def _spread(
    assignments: list[tuple[set[str], ast.expr]], holds: Callable[[ast.expr, set[str]], bool]
) -> set[str]:
    """Every target assigned a value that ``holds``, following the names to a fixed point."""
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for targets, value in assignments:
            if not targets <= found and holds(value, found):
                found |= targets
                grew = True
    return found


def wall_clock_assertions(source: str) -> list[int]:
    """Lines of ``source`` whose ``assert`` reads the real clock or checks a duration it gave."""
    tree = ast.parse(source)
    clock = _ClockUse(tree)
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
        and (clock.calls_clock(node.test) or clock.measures(node.test, clock.durations))
    )


def modules_under_tests() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


# --- the scanners ----------------------------------------------------------------------------


def test_an_import_of_a_conftest_is_found_in_every_spelling() -> None:
    source = """
import tests.conftest
from tests.api.conftest import Ledger
from tests.api import conftest
from .conftest import settle
from . import conftest as fixtures
from tests.support.tui import settle
import conftest_like
"""
    assert conftest_imports(source) == [2, 3, 4, 5, 6]


def test_an_import_of_a_test_module_is_found_in_every_spelling() -> None:
    source = """
from tests.storeapp.test_picking import gtin_of
import tests.e2e.test_cli
import tests.e2e.test_cli as commands
from tests.storeapp import test_cli
from .test_wording import fields
from . import test_wording
from ..storeapp.test_cli import Shell
from tests.support.store import gtin_of
from tests.storeapp.crash_worker import op_id_of
from tests.support import cli
from . import conftest
from pytest import param
import attest.testing_tools
"""
    assert imports_of_test_modules(source) == [2, 3, 4, 5, 6, 7, 8]


def test_a_duration_read_on_the_real_clock_is_found_through_the_names_it_flows_into() -> None:
    # Written in capitals and put back below, so that a plain text search for timed assertions
    # across the tests does not stop at this sample.
    source = """
import time
import time as clock
from time import perf_counter as pc


def measured():
    started = time.monotonic()
    work()
    ELAPSED = time.monotonic() - started
    assert ELAPSED < 2.0
    assert CLOCK.monotonic() - started < 30
    began = pc()
    assert pc() - began < 1
    self.started = clock.perf_counter()
    taken = clock.perf_counter() - self.started
    assert taken <= 5, "too slow"
    total = 0
    total += ELAPSED
    assert total < 9


def deterministic(report, fake):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        poll()
    assert report.attempts == 1
    assert fake.time() == 3
    assert datetime.time(9) < opening
    before = time.time()
    made = make()
    after = time.time()
    assert before <= made.at <= after
""".replace("ELAPSED", "elapsed").replace("CLOCK.", "time.")
    assert wall_clock_assertions(source) == [11, 12, 14, 17, 20]


# --- the tree --------------------------------------------------------------------------------


def test_no_module_under_tests_imports_a_conftest() -> None:
    found = {
        str(path.relative_to(TESTS)): lines
        for path in modules_under_tests()
        if (lines := conftest_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "import helpers from tests/support, never from a conftest"


def test_no_module_under_tests_imports_a_test_module() -> None:
    found = {
        str(path.relative_to(TESTS)): lines
        for path in modules_under_tests()
        if (lines := imports_of_test_modules(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "import helpers from tests/support, never from a test module"


def test_no_test_asserts_a_duration_read_on_the_real_clock() -> None:
    found = {
        str(path.relative_to(TESTS)): lines
        for path in modules_under_tests()
        if (lines := wall_clock_assertions(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "check the promise deterministically; measure budgets in bench/"
