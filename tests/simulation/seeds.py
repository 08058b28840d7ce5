"""A seed of the simulation as the harness runs it and reports it: its configuration, its
figures, and its failure with the one command that replays it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SimConfig:
    steps: int = 150
    """Workload steps before the drain."""
    fault_rate: float = 1.0
    """Scales every per-request and per-action fault probability."""
    drain_rounds: int = 40
    ledger_mutant: str | None = None
    """A rule to break in the ledger (``tests.simulation.mutants``): the run must then fail."""


@dataclass
class SeedResult:
    seed: int
    backend: str
    steps: int
    operations: int
    """Operations the ledger applied (first applications; setup excluded)."""
    made: int
    """Operations committed by terminals and the web shop."""
    requests: int
    faults: Counter[str]
    refused: int
    seconds: float
    digest: str
    phases: dict[str, float] = field(default_factory=dict)
    """Wall time of setup, workload, drain and checks."""
    documents: Counter[str] = field(default_factory=Counter)
    """Stock in motion: what was done to deliveries and transfers, and what the ledger did."""
    counter: Counter[str] = field(default_factory=Counter)
    """The counter: returns, voids, units set aside, what staff did and what the ledger did."""
    fulfilment: Counter[str] = field(default_factory=Counter)
    """Fulfilment: contested jobs, takeovers and no-shows, what staff did and the ledger did."""
    offers: Counter[str] = field(default_factory=Counter)
    """Competitive allocation: offers made, claims (contested or not), expiries, rounds."""


class SimulationFailure(AssertionError):
    def __init__(self, seed: int, backend: str, config: SimConfig, problems: list[str]) -> None:
        self.seed = seed
        self.backend = backend
        self.problems = problems
        self.replay = replay_command(seed, backend, config)
        shown = "\n".join(f"  - {p}" for p in problems[:25])
        more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
        super().__init__(
            f"simulation seed {seed} ({backend}) failed:\n{shown}{more}\nreplay: {self.replay}"
        )


def replay_command(seed: int, backend: str, config: SimConfig) -> str:
    """The one line that runs this seed again, exactly (``make soak`` uses the same module)."""
    command = f".venv/bin/python -m tests.simulation.soak --seed {seed} --steps {config.steps}"
    if config.fault_rate != 1.0:
        command += f" --fault-rate {config.fault_rate}"
    if config.ledger_mutant:
        command += f" --ledger-mutant {config.ledger_mutant}"
    if backend == "postgres":
        command += ' --postgres "$ORDERSYNC_TEST_DATABASE_URL"'
    return command
