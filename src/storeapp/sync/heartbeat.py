"""The device heartbeat: after a sync round that reached the ledger, this device says it is alive
and what waits on it (operations not yet acknowledged, refusals nobody dealt with, the oldest
waiting one, the app's version), so the manager's day shows the health of every terminal.

A heartbeat is a courtesy, never a condition: it is sent only after a round that reached the
ledger, at most once a minute unless what waits changed, and any failure is swallowed. A ledger
that does not know the endpoint yet (404, 405) is not asked again for an hour. What was last sent
lives in the cache's ``sync_state``, so a restart does not forget it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

import storeapp
from ordersync.contract import DeviceHeartbeat
from storeapp.cache import outbox
from storeapp.cache.state import parse_time, read_state, write_state
from storeapp.sync.client import LedgerClient, LedgerRefused

SENT_AT = "heartbeat_sent_at"
SENT_FACTS = "heartbeat_facts"
PAUSED_UNTIL = "heartbeat_paused_until"

EVERY = timedelta(seconds=60)
"""A heartbeat with the same facts is sent again after this long ("last seen" is in minutes)."""
PAUSE_WHEN_UNKNOWN = timedelta(hours=1)
"""How long a ledger that does not know the heartbeat (an older ledger: 404) is left alone; any
other refusal pauses it for ``EVERY``."""
TIMEOUT_SECONDS = 2.0
"""A heartbeat must not hold the sync worker up for long."""
_UNKNOWN_ENDPOINT = {404, 405, 501}
log = logging.getLogger(__name__)


def read_heartbeat(engine: Engine) -> DeviceHeartbeat:
    """What this device would report now, read from its outbox."""
    with engine.connect() as connection:
        pending, attention = outbox.counts(connection)
        oldest = connection.execute(
            text("SELECT MIN(created_at) FROM outbox WHERE state = 'pending'")
        ).scalar_one_or_none()
    return DeviceHeartbeat(
        pending_ops=pending,
        needs_attention=attention,
        oldest_pending_at=parse_time(oldest),
        app_version=storeapp.__version__[:32],
    )


def send_heartbeat(engine: Engine, client: LedgerClient, now: datetime, *, online: bool) -> bool:
    """Send this device's heartbeat when it is due; True when the ledger took it.

    Called by the sync engine at the end of every round; never raises.
    """
    if not online:
        return False
    try:
        return _send(engine, client, now)
    except Exception:  # a heartbeat never breaks a sync round
        log.debug("device heartbeat not sent", exc_info=True)
        return False


def _send(engine: Engine, client: LedgerClient, now: datetime) -> bool:
    beat = read_heartbeat(engine)
    facts = f"{beat.pending_ops}/{beat.needs_attention}/{beat.oldest_pending_at}"
    with engine.connect() as connection:
        paused_until = parse_time(read_state(connection, PAUSED_UNTIL))
        sent_at = parse_time(read_state(connection, SENT_AT))
        sent_facts = read_state(connection, SENT_FACTS)
    if paused_until is not None and now < paused_until:
        return False
    if sent_at is not None and sent_facts == facts and now - sent_at < EVERY:
        return False
    try:
        client.heartbeat(beat, timeout=TIMEOUT_SECONDS)
    except LedgerRefused as error:
        pause = PAUSE_WHEN_UNKNOWN if error.status in _UNKNOWN_ENDPOINT else EVERY
        with engine.begin() as connection:
            write_state(connection, PAUSED_UNTIL, (now + pause).isoformat())
        raise
    with engine.begin() as connection:
        write_state(connection, SENT_AT, now.isoformat())
        write_state(connection, SENT_FACTS, facts)
        write_state(connection, PAUSED_UNTIL, None)
    return True
