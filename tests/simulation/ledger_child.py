"""The ledger process of the simulation: the real ordersync app under uvicorn, in its own process.

A fork server imports this module once (uvicorn, the app, the migration scripts), then forks one
child per ledger start, so a start or a restart after SIGKILL costs a fraction of a second. The
child serves the real app on 127.0.0.1 with the ledger's clock stopped at the simulation's start:
nothing in the ledger then depends on when the run happens, and a seed replays exactly.

The harness moves that clock only to end no-shows (``SWEEP_PATH``) and offers nobody claimed in
time (``OFFER_SWEEP_PATH``): it sets the clock to the time it names and runs the housekeeping's
sweep (``no_show_work``, ``offer_work``) through the ledger's own writer, as the housekeeping
loop would (whose timer is too slow to fire in a run).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.db import migrate
from ordersync.db.migrate import head_revision
from ordersync.runtime import LedgerRuntime
from ordersync.services.operations import no_show_work, offer_work
from tests.simulation import mutants
from tests.simulation.ledger import OFFER_SWEEP_PATH, SWEEP_PATH

# Read the migration scripts now, in the fork server, rather than at every start of a child
# (the app checks the schema is at this head before it serves; the check itself still runs).
HEAD = head_revision()
migrate.head_revision = lambda: HEAD


def add_sweep_route(app: FastAPI, clock: ManualClock) -> None:
    async def sweep(at: str) -> dict[str, int]:
        clock.set(datetime.fromisoformat(at))
        runtime: LedgerRuntime = app.state.runtime
        ended = await runtime.writer.run(no_show_work(runtime.policy.current()))
        return {"ended": int(ended)}

    async def sweep_offers(at: str, sweep: bool = True) -> dict[str, int]:
        clock.set(datetime.fromisoformat(at))
        if not sweep:
            return {"ended": 0}
        runtime: LedgerRuntime = app.state.runtime
        ended = await runtime.writer.run(offer_work(runtime.policy.current()))
        return {"ended": int(ended)}

    app.add_api_route(SWEEP_PATH, sweep, methods=["POST"])
    app.add_api_route(OFFER_SWEEP_PATH, sweep_offers, methods=["POST"])


def serve(
    database_url: str,
    port: int,
    log_path: str,
    frozen_at: str,
    mutant: str | None,
    policy: str,
) -> None:
    """Run the ledger until killed (the target of the forked child); ``mutant`` breaks one rule
    on purpose (``tests.simulation.mutants``, for the tests of the simulation itself)."""
    for key in [k for k in os.environ if k.startswith("ORDERSYNC_")]:
        del os.environ[key]
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    mutants.apply(mutant)
    settings = LedgerSettings(
        database_url=database_url,
        expiry_sweep_seconds=3600,
        token_cache_seconds=60,
        routing_policy=Path(policy),
    )
    clock = ManualClock(datetime.fromisoformat(frozen_at))
    app = create_app(settings, clock=clock)
    add_sweep_route(app, clock)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
