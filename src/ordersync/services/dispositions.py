"""Units set aside by disposition (damaged, on display, in quarantine) and put back on sale, and
the manager's write-off of units set aside.

Promises kept here:

- Movements remain the only thing that changes stock. A move between dispositions is a pair of
  ``disposition`` movements of one position (the units leave one disposition and enter the
  other), so on-hand is unchanged; a write-off is one ``write_off`` movement out of the
  disposition the units are in. Units on sale are a movement without a disposition.
- Nothing is moved that the record does not hold: units leave sale only when they are neither
  promised to an order nor set aside, and leave a disposition only when it holds them; otherwise
  the whole operation is refused (``NotEnoughSetAside``) and the problem says what is held.
- The record may be told of damage it could not know of (a unit found damaged while picking,
  a damaged unit sent back to the warehouse): ``set_aside`` moves the units whatever the record
  holds, and the caller flags the position when the record proved wrong.
"""

from __future__ import annotations

from typing import Any

from ordersync.contract import Disposition, DispositionMove, MovementKind, StockSetAside, WriteOff
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.tx_positions import PositionState
from ordersync.domain.errors import NotEnoughSetAside
from ordersync.domain.permissions import Action, Principal
from ordersync.services.movements import Poster
from ordersync.services.stock_checks import KnownEntities


def bucket(disposition: Disposition) -> Disposition | None:
    """The disposition a movement names for these units: None for units on sale."""
    return None if disposition is Disposition.SELLABLE else disposition


def units_held(position: PositionState | None, disposition: Disposition) -> int:
    """Units that may leave ``disposition``: for units on sale, those neither promised to an
    order (reserved) nor set aside; for a disposition, the units in it."""
    if position is None:
        return 0
    if disposition is Disposition.SELLABLE:
        stock = position.stock
        return stock.on_hand - stock.unavailable - stock.reserved
    return dict(position.dispositions).get(disposition.value, 0)


def _held_words(disposition: Disposition) -> str:
    if disposition is Disposition.SELLABLE:
        return "units on sale not promised to orders"
    return f"{disposition.value} units"


def require_held(
    tx: LedgerTx, sku: str, location: str, disposition: Disposition, qty: int, *, doing: str
) -> None:
    """Refuse to take ``qty`` units out of ``disposition`` when the position holds fewer."""
    held = units_held(tx.position(sku, location), disposition)
    if held < qty:
        shown = max(held, 0)
        raise NotEnoughSetAside(
            f"cannot {doing} {qty} units of {sku} at {location}: it holds {shown} "
            f"{_held_words(disposition)}",
            sku=sku,
            location=location,
            disposition=disposition.value,
            requested=qty,
            held=shown,
        )


def set_aside(
    poster: Poster,
    sku: str,
    location: str,
    qty: int,
    source: Disposition,
    target: Disposition,
    *,
    reason: str | None = None,
) -> PositionState:
    """Move ``qty`` units of one position from ``source`` to ``target`` (two movements that
    leave on-hand as it was); answers the position after."""
    # The units arrive in their new disposition before they leave the old one, so on-hand never
    # dips between the two: the day's lowest stock (a stock-out signal) is not touched.
    poster.post(
        MovementKind.DISPOSITION, sku, location, qty, reason=reason, disposition=bucket(target)
    )
    return poster.post(
        MovementKind.DISPOSITION, sku, location, -qty, reason=reason, disposition=bucket(source)
    )


def _poster(tx: LedgerTx, principal: Principal, command: DispositionMove | WriteOff) -> Poster:
    known = KnownEntities(tx)
    known.location(command.location)
    for line in command.lines:
        known.sku(line.sku)
    return Poster(tx, principal, str(command.op_id), command.occurred_at or tx.now, known)


def _answer(poster: Poster, command: DispositionMove | WriteOff) -> dict[str, Any]:
    return StockSetAside(
        op_id=command.op_id,
        location=command.location,
        movements=poster.movements,
        positions=[position.to_contract() for position in poster.touched.values()],
    ).model_dump(mode="json")


def move_disposition(
    tx: LedgerTx, principal: Principal, command: DispositionMove
) -> dict[str, Any]:
    """Set units aside, or put them back on sale, at one location: all lines or none."""
    principal.require(Action.SET_ASIDE, command.location)
    poster = _poster(tx, principal, command)
    for line in command.lines:
        require_held(tx, line.sku, command.location, line.from_disposition, line.qty, doing="move")
        set_aside(
            poster,
            line.sku,
            command.location,
            line.qty,
            line.from_disposition,
            line.to_disposition,
            reason=command.reason,
        )
    return _answer(poster, command)


def write_off(tx: LedgerTx, principal: Principal, command: WriteOff) -> dict[str, Any]:
    """A manager takes units set aside out of the record for good, with the reason: all lines
    or none."""
    principal.require(Action.WRITE_OFF, command.location)
    poster = _poster(tx, principal, command)
    for line in command.lines:
        require_held(tx, line.sku, command.location, line.disposition, line.qty, doing="write off")
        poster.post(
            MovementKind.WRITE_OFF,
            line.sku,
            command.location,
            line.qty,
            reason=command.reason,
            disposition=line.disposition,
        )
    return _answer(poster, command)
