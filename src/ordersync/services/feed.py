"""The change feed: what a location needs, in commit order, paged by feed position.

Rows are stored as ready JSON, so a page is served by joining strings rather than by building
and re-serialising models: the feed is what a store bootstraps its whole cache from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import Connection, select, union_all

from ordersync.db.ledger_tx import CHANGES, COUNTER, table_of
from ordersync.db.tables import LedgerMeta
from ordersync.domain.permissions import Action, Principal
from ordersync.services.access import readable_location

META = table_of(LedgerMeta)


@dataclass(frozen=True, slots=True)
class FeedPage:
    ledger_id: str
    location: str
    rows: list[str]
    next_since: int
    has_more: bool
    head: int
    reset: bool
    device: str | None = None
    """The device that asked, so a terminal knows itself among the jobs' holders."""

    def to_json(self) -> bytes:
        changes = ",".join(self.rows)
        has_more = "true" if self.has_more else "false"
        reset = "true" if self.reset else "false"
        return (
            f'{{"ledger_id":"{self.ledger_id}","location":"{self.location}",'
            f'"changes":[{changes}],"next_since":{self.next_since},'
            f'"has_more":{has_more},"head":{self.head},"reset":{reset},'
            f'"device":{json.dumps(self.device)}}}'
        ).encode()


def ledger_id(connection: Connection) -> str:
    value = connection.execute(select(META.c.value).where(META.c.key == "ledger_id")).scalar_one()
    return str(value)


def feed_head(connection: Connection) -> int:
    return int(connection.execute(select(COUNTER.c.last_seq).where(COUNTER.c.id == 1)).scalar_one())


def read_page(connection: Connection, location: str, since: int, limit: int) -> FeedPage:
    """Changes after ``since`` for ``location``; read inside one transaction, so one snapshot."""
    head = feed_head(connection)
    identity = ledger_id(connection)
    if since > head:
        return FeedPage(identity, location, [], 0, True, head, reset=True)
    # One range scan of the (scope, seq) index per scope, so the cost follows what this
    # location needs, not how many changes other locations made. One row more than the limit
    # is what proves there are more.
    per_scope = [
        select(CHANGES.c.seq, CHANGES.c.kind, CHANGES.c.payload)
        .where(CHANGES.c.scope == scope, CHANGES.c.seq > since)
        .order_by(CHANGES.c.seq)
        .limit(limit + 1)
        .subquery()
        for scope in ("", location)
    ]
    both = union_all(*(select(part) for part in per_scope)).subquery()
    rows = connection.execute(select(both).order_by(both.c.seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Every stored payload is a JSON object; splice seq and kind in front of its members.
    rendered = [f'{{"seq":{seq},"kind":"{kind}",{payload[1:]}' for seq, kind, payload in rows]
    next_since = rows[-1].seq if rows else since
    if not has_more:
        # Nothing more for this location up to head: the caller may skip the rows of others.
        next_since = max(next_since, head)
    return FeedPage(identity, location, rendered, next_since, has_more, head, reset=False)


def read_changes(
    connection: Connection,
    principal: Principal,
    location: str | None,
    since: int,
    limit: int,
    most: int,
) -> FeedPage:
    """The page of a location the caller may read (its own by default): at most ``limit`` rows,
    and never more than ``most``, the largest page this ledger serves."""
    scope = readable_location(connection, principal, Action.READ_STOCK, location)
    page = read_page(connection, scope, since, min(limit, most))
    return replace(page, device=principal.device)
