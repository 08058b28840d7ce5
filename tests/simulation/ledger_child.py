"""The ledger process of the simulation: the real ordersync app under uvicorn, in its own process.

A fork server imports this module once (uvicorn, the app, the migration scripts), then forks one
child per ledger start, so a start or a restart after SIGKILL costs a fraction of a second. The
child serves the real app on 127.0.0.1 with the ledger's clock stopped at the simulation's start:
nothing in the ledger then depends on when the run happens, and a seed replays exactly.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import uvicorn

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.db import migrate
from ordersync.db.migrate import head_revision
from tests.simulation import mutants

# Read the migration scripts now, in the fork server, rather than at every start of a child
# (the app checks the schema is at this head before it serves; the check itself still runs).
HEAD = head_revision()
migrate.head_revision = lambda: HEAD


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
    app = create_app(settings, clock=ManualClock(datetime.fromisoformat(frozen_at)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
