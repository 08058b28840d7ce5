"""Customer returns read back as the contract shows them: one, or the recent ones of a location.

A store device reads the returns recorded at its own location; head office (admin and ERP
devices) reads those of any location, or of all. The write path (``services.returns``) builds its
reply here too, with the positions the return left behind; a return read back later carries no
positions (the stock has moved on since: read the positions themselves).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from ordersync.contract import (
    Disposition,
    Position,
    RecordedReturn,
    RecordedReturnLine,
    ReturnFlag,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.errors import Forbidden, NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.services.document_reads import MAX_LISTED, listing_scope, reads_everywhere

_COLUMNS = "id, location, order_id, sale_op_id, flags, occurred_at, recorded_at, device, person"
_LINE_COLUMNS = "return_id, line_no, sku, qty, reason, disposition, order_line_no, flags"


def joined_flags(flags: Iterable[ReturnFlag]) -> str:
    """Flags as a row stores them: comma-separated, in the order the vocabulary lists them."""
    present = set(flags)
    return ",".join(flag.value for flag in ReturnFlag if flag in present)


def split_flags(text: str | None) -> list[ReturnFlag]:
    return [ReturnFlag(flag) for flag in (text or "").split(",") if flag]


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _line(row: tuple[Any, ...]) -> RecordedReturnLine:
    _, line_no, sku, qty, reason, disposition, order_line_no, flags = row
    return RecordedReturnLine(
        line_no=int(line_no),
        sku=str(sku),
        qty=int(qty),
        reason=str(reason),
        disposition=Disposition(disposition),
        order_line_no=None if order_line_no is None else int(order_line_no),
        flags=split_flags(flags),
    )


def _lines_of(sql: RawSql, return_ids: Sequence[str]) -> dict[str, list[RecordedReturnLine]]:
    if not return_ids:
        return {}
    marks = ", ".join(f":id{i}" for i in range(len(return_ids)))
    rows = sql.all(
        f"SELECT {_LINE_COLUMNS} FROM customer_return_lines WHERE return_id IN ({marks}) "
        "ORDER BY return_id, line_no",
        {f"id{i}": return_id for i, return_id in enumerate(return_ids)},
    )
    lines: dict[str, list[RecordedReturnLine]] = {}
    for row in rows:
        lines.setdefault(str(row[0]), []).append(_line(row))
    return lines


def _view(
    sql: RawSql,
    row: tuple[Any, ...],
    lines: list[RecordedReturnLine],
    positions: Sequence[Position] = (),
) -> RecordedReturn:
    return_id, location, order_id, sale_op_id, flags, occurred_at, recorded_at, device, person = row
    return RecordedReturn(
        id=uuid.UUID(str(return_id)),
        location=str(location),
        order_id=_uuid(order_id),
        sale_op_id=_uuid(sale_op_id),
        flags=split_flags(flags),
        lines=lines,
        occurred_at=sql.read_time(occurred_at),
        recorded_at=sql.read_time(recorded_at),
        device=str(device),
        person=person,
        positions=list(positions),
    )


def load_return(
    sql: RawSql, return_id: str, positions: Sequence[Position] = ()
) -> RecordedReturn | None:
    row = sql.first(f"SELECT {_COLUMNS} FROM customer_returns WHERE id = :id", {"id": return_id})
    if row is None:
        return None
    return _view(sql, row, _lines_of(sql, [return_id]).get(return_id, []), positions)


def read_return(tx: LedgerTx, principal: Principal, return_id: str) -> RecordedReturn:
    """One return, for head office or a device of the store where it was recorded."""
    principal.require(Action.READ_STOCK)
    found = load_return(tx.sql, return_id)
    if found is None:
        raise NotFound(f"no return {return_id}", return_id=return_id)
    if not reads_everywhere(principal) and principal.location != found.location:
        raise Forbidden(
            f"this device belongs to {principal.location} and cannot read a return recorded "
            f"at {found.location}",
            location=found.location,
        )
    return found


def list_returns(
    tx: LedgerTx, principal: Principal, location: str | None, days: int, limit: int
) -> list[RecordedReturn]:
    """Returns recorded at ``location`` in the last ``days`` days (a store device: its own
    location; head office: any, or all when none is named), the latest first."""
    scope = listing_scope(tx.sql, principal, location)
    params: dict[str, Any] = {
        "since": tx.sql.time(tx.now - timedelta(days=days)),
        "limit": min(limit, MAX_LISTED),
    }
    where = "occurred_at >= :since"
    if scope is not None:
        where += " AND location = :location"
        params["location"] = scope
    rows = tx.sql.all(
        f"SELECT {_COLUMNS} FROM customer_returns WHERE {where} "
        "ORDER BY occurred_at DESC, id DESC LIMIT :limit",
        params,
    )
    lines = _lines_of(tx.sql, [str(row[0]) for row in rows])
    return [_view(tx.sql, row, lines.get(str(row[0]), [])) for row in rows]
