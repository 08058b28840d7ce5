"""Units on their way to this store, as the feed's ``incoming`` kind reports them: per SKU, how
many are on order (announced deliveries), in transit (sent transfers), already promised to
orders, and the window of the next arrival.

The cache keeps one row per SKU of this store; a report older than the one held (a lower
``seq``) never overwrites it, as for positions. The row is the ledger's word: nothing on this
terminal changes it, so the item screen shows it offline exactly as the feed last said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, text
from sqlmodel import Field
from typing_extensions import TypedDict  # pydantic reads only this one's fields on 3.11

from storeapp.cache.tables import CacheModel


class CacheIncoming(CacheModel, table=True):
    """This store's incoming units of one SKU; times are ISO 8601 text in UTC."""

    __tablename__ = "incoming"
    sku: str = Field(primary_key=True)
    on_order: int
    in_transit: int
    promised: int
    next_expected_from: str | None = None
    next_expected_until: str | None = None
    seq: int


# --- The feed's ``incoming`` kind as the cache reads it (``ordersync.contract.IncomingChange``) --


class FeedIncoming(TypedDict):
    sku: str
    location: str
    on_order: int
    in_transit: int
    promised: int
    next_expected_from: datetime | None
    next_expected_until: datetime | None
    seq: int


class FeedIncomingChange(TypedDict):
    seq: int
    kind: Literal["incoming"]
    incoming: FeedIncoming


UPSERT_INCOMING_SQL = (
    "INSERT INTO incoming (sku, on_order, in_transit, promised, next_expected_from, "
    "next_expected_until, seq) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET "
    "on_order = excluded.on_order, in_transit = excluded.in_transit, "
    "promised = excluded.promised, next_expected_from = excluded.next_expected_from, "
    "next_expected_until = excluded.next_expected_until, seq = excluded.seq "
    "WHERE excluded.seq >= incoming.seq"
)
"""For the DB-API cursor of ``storeapp.cache.feed_apply.apply_page`` (rows of ``incoming_row``)."""


def incoming_row(change: FeedIncomingChange, location: str) -> tuple[Any, ...] | None:
    """The row to write for a change, or None when it is about another location."""
    row = change["incoming"]
    if row["location"] != location:
        return None
    start, until = row["next_expected_from"], row["next_expected_until"]
    return (
        row["sku"],
        row["on_order"],
        row["in_transit"],
        row["promised"],
        None if start is None else start.isoformat(),
        None if until is None else until.isoformat(),
        row["seq"],
    )


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coming:
    """Units on their way to one place, and the window of the next arrival (None: unknown)."""

    on_order: int = 0
    in_transit: int = 0
    promised: int = 0
    next_from: datetime | None = None
    next_until: datetime | None = None
    next_in_transit: bool = False
    """The next arrival is a transfer already sent (else a delivery on order)."""

    @property
    def units(self) -> int:
        return self.on_order + self.in_transit


NOTHING_COMING = Coming()


def coming_here(connection: Connection, skus: Sequence[str]) -> dict[str, Coming]:
    """What is on its way to this store for each of ``skus`` that has a row."""
    if not skus:
        return {}
    marks = ",".join(f":s{i}" for i in range(len(skus)))
    params = {f"s{i}": sku for i, sku in enumerate(skus)}
    rows = connection.execute(
        text(
            "SELECT sku, on_order, in_transit, promised, next_expected_from, next_expected_until "
            f"FROM incoming WHERE sku IN ({marks})"
        ),
        params,
    )
    return {
        row.sku: Coming(
            on_order=int(row.on_order),
            in_transit=int(row.in_transit),
            promised=int(row.promised),
            next_from=_time(row.next_expected_from),
            next_until=_time(row.next_expected_until),
            # The row does not say which document arrives first: a transfer in transit when
            # nothing is on order, else the delivery.
            next_in_transit=int(row.in_transit) > 0 and int(row.on_order) == 0,
        )
        for row in rows
    }


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
