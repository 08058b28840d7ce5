"""The seeded simulation in the normal suite: a few seeds on each backend, every fault class seen.

Each backend runs ``CI_SEEDS`` (one real ``ordersync`` process per seed, 3 to 5 stores and a
warehouse, faults everywhere), then asserts that every fault class of ``FAULT_CLASSES`` happened
at least once across those seeds (a counter point for one kind of action at least; a takeover's
and a claim's points in the soak), so the run cannot pass by never injecting one. A failing seed
prints its replay command. The soak (``make soak``) runs the same harness over thousands of seeds.

The tests of the tests: a seed replays exactly (same trace digest), and the simulation fails
against a ledger that applies a resent operation again, a ledger whose routing oversells, a
ledger whose delivery receipts leave the units on order, a ledger that puts a customer's damaged
unit back on sale, a ledger whose no-show sweep forgets to release the units, a ledger that
lets a second store win an offer already claimed, a ledger whose offer sweep leaves an expired
offer's lines where they were, and a store that hides the ledger's refusals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storeapp.cache import outbox
from tests.simulation.faults import (
    COUNTER_FAULT_CLASSES,
    COUNTER_POINTS,
    FAULT_CLASSES,
    FULFILMENT_FAULT_CLASSES,
    LEDGER_KILLED_MID_SWEEP,
    OFFER_FAULT_CLASSES,
)
from tests.simulation.harness import run_seed
from tests.simulation.ledger import stop_fork_server
from tests.simulation.seeds import SeedResult, SimConfig, SimulationFailure
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases

pytestmark = pytest.mark.e2e

CI_SEEDS = (101, 102, 103)
CI_STEPS = 150
SHORT = SimConfig(steps=50)
REPLAY = SimConfig(steps=30)


@pytest.fixture(scope="module", autouse=True)
def _fork_server() -> Iterator[None]:
    yield
    stop_fork_server()


def run_seeds(
    databases: SqliteDatabases | PostgresDatabases, backend: str, root: Path
) -> list[SeedResult]:
    results = []
    for seed in CI_SEEDS:
        url = databases.fresh()
        results.append(run_seed(seed, backend, url, root / f"seed-{seed}", SimConfig(CI_STEPS)))
        databases.drop(url)
    return results


def assert_every_fault_happened(results: list[SeedResult]) -> None:
    faults: Counter[str] = Counter()
    for result in results:
        faults.update(result.faults)
    operations = sum(result.operations for result in results)
    print(
        f"\n{len(results)} seeds, {operations} operations applied, "
        f"{sum(faults.values())} faults: {dict(sorted(faults.items()))}"
    )
    # A takeover needs a store with two terminals (half the seeds), a claim an offer open to
    # the terminal's store: the soak meets their points.
    takeovers = set(FULFILMENT_FAULT_CLASSES) - {LEDGER_KILLED_MID_SWEEP}
    takeovers |= set(OFFER_FAULT_CLASSES)
    missing = [
        name
        for name in FAULT_CLASSES
        if name not in COUNTER_FAULT_CLASSES and name not in takeovers and faults[name] == 0
    ]
    # A counter point is met by one kind of action or another (the soak meets every pair).
    counter = {name.removeprefix("store_crash_"): faults[name] for name in COUNTER_FAULT_CLASSES}
    missing += [
        f"<kind>.{point}"
        for point in COUNTER_POINTS
        if not any(n for name, n in counter.items() if name.endswith(f".{point}"))
    ]
    assert missing == [], f"fault classes never injected in seeds {CI_SEEDS}: {missing}"
    assert operations > 100 * len(results)


def test_the_seeds_pass_on_sqlite(sqlite_databases: SqliteDatabases, tmp_path: Path) -> None:
    assert_every_fault_happened(run_seeds(sqlite_databases, "sqlite", tmp_path))


@pytest.mark.postgres
def test_the_seeds_pass_on_postgres(
    postgres_databases: PostgresDatabases | None, tmp_path: Path
) -> None:
    if postgres_databases is None:
        pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to run the PostgreSQL tests")
    assert_every_fault_happened(run_seeds(postgres_databases, "postgres", tmp_path))


def test_a_seed_replays_exactly(sqlite_databases: SqliteDatabases, tmp_path: Path) -> None:
    runs = []
    for attempt in range(2):
        url = sqlite_databases.fresh()
        runs.append(run_seed(7, "sqlite", url, tmp_path / f"run-{attempt}", REPLAY))
        sqlite_databases.drop(url)
    first, second = runs
    assert first.digest == second.digest
    assert (first.operations, first.requests, first.faults) == (
        second.operations,
        second.requests,
        second.faults,
    )


def expect_failure(
    databases: SqliteDatabases, root: Path, seed: int, config: SimConfig
) -> SimulationFailure:
    url = databases.fresh()
    with pytest.raises(SimulationFailure) as failed:
        run_seed(seed, "sqlite", url, root, config)
    assert f"--seed {seed} " in failed.value.replay
    assert f"seed {seed}" in str(failed.value)
    return failed.value


@pytest.mark.parametrize(
    ("mutant", "seed", "symptom"),
    [
        ("replays_apply_again", 2, "applied a second time"),
        ("routing_oversells", 2, "insufficient-stock"),
        ("receipts_leave_units_on_order", 2, "incoming ("),
        ("damaged_returns_go_on_sale", 9, "the ledger recorded lines"),
        ("no_shows_keep_the_units", 2, "not released by"),
        (
            "claims_without_the_conditional_update",
            1,
            "expects it refused (urn:ordersync:problem:offer-taken)",
        ),
        ("expired_offers_keep_their_lines", 1, "went nowhere: ('offered', None)"),
    ],
)
def test_the_simulation_fails_on_a_broken_ledger(
    sqlite_databases: SqliteDatabases, tmp_path: Path, mutant: str, seed: int, symptom: str
) -> None:
    """Each seed is one whose workload reaches the broken rule in 50 steps."""
    failure = expect_failure(
        sqlite_databases, tmp_path, seed, SimConfig(steps=50, ledger_mutant=mutant)
    )
    assert symptom in "\n".join(failure.problems)


def test_the_simulation_fails_on_a_store_that_hides_refusals(
    sqlite_databases: SqliteDatabases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse_silently(
        engine: object, entry_id: int, _problem: object, now: object, **_how: object
    ) -> None:
        outbox.accept(engine, entry_id, [], now)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "refuse", refuse_silently)
    failure = expect_failure(sqlite_databases, tmp_path, 4, SimConfig(steps=40))
    assert any("shows refusals" in problem for problem in failure.problems)
