"""Indexed reads the sales reports share: places, items, positions and their days.

- A location's days: ``ix_position_days_location_day``, from the window's first day to today.
- The positions that moved there, with their items and their close before the window: per SKU
  one step in the primary keys of positions and items, and one backward step in the primary key
  of ``position_days`` ``(sku, location, day)``. A position without rows since the window began
  held its current stock all along, so it needs no step back.
- The positions that did not move: ``ix_positions_location_sku`` in SKU order, as many as asked.
- A reference's SKUs: the ``items.reference`` index; their positions and days: the primary keys,
  one range of days per position, however long the history before the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, ScalarSelect, and_, select
from sqlalchemy.sql import FromClause

from ordersync.db.ledger_tx import ITEMS, LOCATIONS, POSITIONS, table_of
from ordersync.db.tables import PositionDayRow
from ordersync.domain.analytics.history import DayRow, Summary, summarize_days
from ordersync.domain.errors import UnknownLocation, UnknownReference

POSITION_DAYS = table_of(PositionDayRow)


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    kind: str
    timezone: str


def place_of(connection: Connection, code: str) -> Place:
    row = connection.execute(
        select(LOCATIONS.c.code, LOCATIONS.c.kind, LOCATIONS.c.timezone).where(
            LOCATIONS.c.code == code
        )
    ).first()
    if row is None:
        raise UnknownLocation(f"no location {code!r} in the network", location=code)
    return Place(row.code, row.kind, row.timezone)


def all_places(connection: Connection) -> dict[str, Place]:
    rows = connection.execute(
        select(LOCATIONS.c.code, LOCATIONS.c.kind, LOCATIONS.c.timezone).order_by(LOCATIONS.c.code)
    )
    return {row.code: Place(row.code, row.kind, row.timezone) for row in rows}


class Article(NamedTuple):
    sku: str
    reference: str
    name: str
    size: str
    colour: str
    price_minor: int
    currency: str


@dataclass(slots=True)
class Stocked:
    """A position with its item."""

    article: Article
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    unavailable: int = 0
    """Units set aside (damaged, on display, in quarantine): on hand, never for sale."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.article.sku, self.location)

    @property
    def sellable(self) -> int:
        """Units a customer can still buy: on hand less those set aside and those promised to
        reservations."""
        return self.on_hand - self.unavailable - self.reserved

    @property
    def available(self) -> int:
        return self.sellable - self.safety_stock


_ARTICLE_COLUMNS = (
    ITEMS.c.sku,
    ITEMS.c.reference,
    ITEMS.c.name,
    ITEMS.c.size,
    ITEMS.c.colour,
    ITEMS.c.price_minor,
    ITEMS.c.currency,
)


def _article(row: Any) -> Article:
    sku, reference, name, size, colour, price_minor, currency = row[:7]
    return Article(sku, reference, name, size, colour, int(price_minor), currency)


def articles_of(connection: Connection, reference: str) -> list[Article]:
    """The SKUs of a reference (``items.reference`` index); unknown reference: 404."""
    rows = connection.execute(
        select(*_ARTICLE_COLUMNS).where(ITEMS.c.reference == reference).order_by(ITEMS.c.sku)
    ).all()
    if not rows:
        raise UnknownReference(f"no reference {reference!r} in the catalog", reference=reference)
    return [_article(row) for row in rows]


def _positions(
    connection: Connection,
    *conditions: ColumnElement[bool],
    order_by_sku: bool = False,
    limit: int | None = None,
) -> list[Stocked]:
    query = (
        select(
            *_ARTICLE_COLUMNS,
            POSITIONS.c.location,
            POSITIONS.c.on_hand,
            POSITIONS.c.reserved,
            POSITIONS.c.safety_stock,
            POSITIONS.c.unavailable,
        )
        .select_from(POSITIONS.join(ITEMS, ITEMS.c.sku == POSITIONS.c.sku))
        .where(*conditions)
    )
    if order_by_sku:
        query = query.order_by(POSITIONS.c.sku)
    if limit is not None:
        query = query.limit(limit)
    return [
        Stocked(_article(row), row[7], int(row[8]), int(row[9]), int(row[10]), int(row[11]))
        for row in connection.execute(query).all()
    ]


def _moved(location: str, first: date, last: date) -> ColumnElement[bool]:
    """The position has a row at ``location`` from ``first`` to ``last`` (a primary key range)."""
    return (
        select(POSITION_DAYS.c.sku)
        .where(
            POSITION_DAYS.c.sku == POSITIONS.c.sku,
            POSITION_DAYS.c.location == location,
            POSITION_DAYS.c.day >= first.isoformat(),
            POSITION_DAYS.c.day <= last.isoformat(),
        )
        .exists()
    )


_CHUNK = 500
"""SKUs named in one ``IN`` list: well under every SQLite build's limit on bound values."""


def moved_at(
    connection: Connection, location: str, skus: Iterable[str], start: date
) -> list[tuple[Stocked, int | None]]:
    """The positions of ``skus`` at ``location``, each with its close before ``start`` (None: it
    had no row before, it is new): per SKU one step in the positions', items' and
    ``position_days``' primary keys."""
    wanted = sorted(skus)
    found: list[tuple[Stocked, int | None]] = []
    for first in range(0, len(wanted), _CHUNK):
        query = (
            select(
                *_ARTICLE_COLUMNS,
                POSITIONS.c.location,
                POSITIONS.c.on_hand,
                POSITIONS.c.reserved,
                POSITIONS.c.safety_stock,
                POSITIONS.c.unavailable,
                _before(POSITIONS.c.sku, location, start),
            )
            .select_from(POSITIONS.join(ITEMS, ITEMS.c.sku == POSITIONS.c.sku))
            .where(
                POSITIONS.c.location == location,
                POSITIONS.c.sku.in_(wanted[first : first + _CHUNK]),
            )
        )
        found.extend(
            (
                Stocked(
                    _article(row), row[7], int(row[8]), int(row[9]), int(row[10]), int(row[11])
                ),
                None if row[12] is None else int(row[12]),
            )
            for row in connection.execute(query).all()
        )
    return found


def still_positions_at(
    connection: Connection,
    location: str,
    first: date,
    last: date,
    *,
    empty_only: bool = False,
    limit: int | None = None,
) -> list[Stocked]:
    """Positions of ``location`` without a movement from ``first`` to ``last``, by SKU; only
    those holding nothing when ``empty_only``; at most ``limit``."""
    conditions = [POSITIONS.c.location == location, ~_moved(location, first, last)]
    if empty_only:
        conditions.append(POSITIONS.c.on_hand <= 0)
    return _positions(connection, *conditions, order_by_sku=True, limit=limit)


def positions_of(
    connection: Connection, articles: Sequence[Article], location: str | None = None
) -> list[Stocked]:
    """The positions of ``articles`` (at ``location``), through the positions' primary key."""
    by_sku = {article.sku: article for article in articles}
    query = select(
        POSITIONS.c.sku,
        POSITIONS.c.location,
        POSITIONS.c.on_hand,
        POSITIONS.c.reserved,
        POSITIONS.c.safety_stock,
        POSITIONS.c.unavailable,
    ).where(POSITIONS.c.sku.in_(list(by_sku)))
    if location is not None:
        query = query.where(POSITIONS.c.location == location)
    return [
        Stocked(by_sku[sku], place, int(on_hand), int(reserved), int(safety), int(unavailable))
        for sku, place, on_hand, reserved, safety, unavailable in connection.execute(query).all()
    ]


_DAY_COLUMNS = (
    POSITION_DAYS.c.sku,
    POSITION_DAYS.c.location,
    POSITION_DAYS.c.day,
    POSITION_DAYS.c.sold_units,
    POSITION_DAYS.c.returned_units,
    POSITION_DAYS.c.received_units,
    POSITION_DAYS.c.closing_on_hand,
    POSITION_DAYS.c.sent_units,
)

DayRows = dict[tuple[str, str], list[DayRow]]


def _group(rows: Iterable[Any]) -> DayRows:
    grouped: DayRows = defaultdict(list)
    days: dict[str, date] = {}
    for sku, location, text, sold, returned, received, closing, sent in rows:
        day = days.get(text)
        if day is None:
            day = days[text] = date.fromisoformat(text)
        grouped[(sku, location)].append(
            DayRow(day, int(sold), int(returned), int(received), int(closing), int(sent))
        )
    for found in grouped.values():
        if len(found) > 1:
            found.sort()  # a DayRow sorts by its day first
    return dict(grouped)


def days_at(connection: Connection, location: str, first: date, last: date) -> DayRows:
    """Every row of a location from ``first`` to ``last`` (the location-and-day index)."""
    rows = connection.execute(
        select(*_DAY_COLUMNS).where(
            POSITION_DAYS.c.location == location,
            POSITION_DAYS.c.day >= first.isoformat(),
            POSITION_DAYS.c.day <= last.isoformat(),
        )
    )
    return _group(rows.all())


def _position_join(
    location: str | None, skus: Sequence[str]
) -> tuple[FromClause, list[ColumnElement[bool]]]:
    joined = POSITIONS.join(
        POSITION_DAYS,
        and_(
            POSITION_DAYS.c.sku == POSITIONS.c.sku,
            POSITION_DAYS.c.location == POSITIONS.c.location,
        ),
    )
    conditions: list[ColumnElement[bool]] = [POSITIONS.c.sku.in_(list(skus))]
    if location is not None:
        conditions.append(POSITIONS.c.location == location)
    return joined, conditions


def days_of(
    connection: Connection,
    skus: Sequence[str],
    first: date,
    last: date,
    location: str | None = None,
) -> DayRows:
    """The rows of some SKUs' positions from ``first`` to ``last``: for each position, one range
    of the primary key, however long the history before ``first``."""
    joined, conditions = _position_join(location, skus)
    rows = connection.execute(
        select(*_DAY_COLUMNS)
        .select_from(joined)
        .where(
            *conditions,
            POSITION_DAYS.c.day >= first.isoformat(),
            POSITION_DAYS.c.day <= last.isoformat(),
        )
    )
    return _group(rows.all())


def _before(sku: Any, location: Any, start: date) -> ScalarSelect[Any]:
    earlier = POSITION_DAYS.alias("earlier")
    return (
        select(earlier.c.closing_on_hand)
        .where(
            earlier.c.sku == sku,
            earlier.c.location == location,
            earlier.c.day < start.isoformat(),
        )
        .order_by(earlier.c.day.desc())
        .limit(1)
        .scalar_subquery()
    )


def openings_of(
    connection: Connection, articles: Sequence[Article], start: date
) -> list[tuple[Stocked, int | None]]:
    """Every position of ``articles`` with its close before ``start`` (None: none before)."""
    by_sku = {article.sku: article for article in articles}
    opening = _before(POSITIONS.c.sku, POSITIONS.c.location, start)
    query = select(
        POSITIONS.c.sku,
        POSITIONS.c.location,
        POSITIONS.c.on_hand,
        POSITIONS.c.reserved,
        POSITIONS.c.safety_stock,
        POSITIONS.c.unavailable,
        opening,
    ).where(POSITIONS.c.sku.in_(list(by_sku)))
    return [
        (
            Stocked(by_sku[sku], place, int(on_hand), int(reserved), int(safety), int(unavailable)),
            None if before is None else int(before),
        )
        for sku, place, on_hand, reserved, safety, unavailable, before in connection.execute(
            query
        ).all()
    ]


def summary_of(
    position: Stocked, rows: DayRows, opening: int | None, start: date, end: date
) -> Summary:
    """The window ``start``..``end`` of ``position`` summed up. ``rows`` may run past ``end``
    (today's): a position with no row since ``start`` held its current stock all along."""
    found = rows.get((position.article.sku, position.location))
    if not found:
        return summarize_days(start, end, position.on_hand, ())
    # rows are in day order and run at most to today, the day after ``end``
    if found[-1].day > end:
        found = found[:-1]
    return summarize_days(start, end, opening, found)
