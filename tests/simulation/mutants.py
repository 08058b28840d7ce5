"""Deliberately broken ledgers, for the tests of the simulation itself: each must make it fail.

A mutant is a function of this module, named in ``SimConfig.ledger_mutant``; the ledger process
calls it before it serves, so the real app runs with that one rule broken.
"""

from __future__ import annotations

from typing import Any


def replays_apply_again() -> None:
    """Exactly-once is gone: a resent operation is applied again instead of replayed."""
    from ordersync.db.ledger_tx import LedgerTx

    def stored_outcome(_self: LedgerTx, _op_id: str) -> Any:
        return None

    def store_outcome(self: LedgerTx, op_id: str, *args: Any) -> None:
        self.sql.execute("DELETE FROM idempotency WHERE op_id = :op_id", {"op_id": op_id})
        original_store(self, op_id, *args)

    original_store = LedgerTx.store_outcome
    LedgerTx.stored_outcome = stored_outcome  # type: ignore[method-assign]
    LedgerTx.store_outcome = store_outcome  # type: ignore[method-assign]


def routing_oversells() -> None:
    """Routing believes every location holds every unit it is asked for."""
    from ordersync.domain.routing import Candidate

    Candidate.can_serve = lambda _self, _line: True  # type: ignore[method-assign]


def receipts_leave_units_on_order() -> None:
    """A delivery's receipt puts its units on the shelf but leaves them on order too."""
    from ordersync.contract import Incoming
    from ordersync.db.tx_incoming import IncomingTx

    original = IncomingTx.change_incoming

    def change_incoming(
        self: IncomingTx,
        sku: str,
        location: str,
        *,
        on_order: int = 0,
        in_transit: int = 0,
        promised: int = 0,
    ) -> Incoming:
        return original(
            self,
            sku,
            location,
            on_order=max(on_order, 0),
            in_transit=in_transit,
            promised=promised,
        )

    IncomingTx.change_incoming = change_incoming  # type: ignore[method-assign]


def damaged_returns_go_on_sale() -> None:
    """A customer's damaged unit is put back on sale instead of being set aside."""
    from ordersync.contract import CustomerReturn, Disposition
    from ordersync.services import operations

    original = operations.record_return

    def record_return(tx: Any, principal: Any, command: CustomerReturn, policy: Any) -> Any:
        on_sale = [
            line.model_copy(update={"disposition": Disposition.SELLABLE}) for line in command.lines
        ]
        return original(tx, principal, command.model_copy(update={"lines": on_sale}), policy)

    operations.record_return = record_return  # type: ignore[assignment]


def no_shows_keep_the_units() -> None:
    """The no-show sweep cancels the collection but forgets to release the units it held."""
    from ordersync.services import jobs
    from ordersync.services.no_shows import SWEEPER

    original = jobs._give_back

    def give_back(tx: Any, principal: Any, reservation_id: str, op_id: str) -> None:
        if principal.device != SWEEPER.device:
            original(tx, principal, reservation_id, op_id)

    jobs._give_back = give_back


def claims_without_the_conditional_update() -> None:
    """A claim of an offer another store already won is taken as if the offer were still open
    (the claim's update no longer checks the offer's state): two claims win one offer."""
    from ordersync.services import offers, operations

    original = offers.claim_offer

    def claim_offer(tx: Any, principal: Any, offer_id: str, command: Any, policy: Any) -> Any:
        reopened = {"id": offer_id, "location": principal.location}
        tx.sql.execute(
            "UPDATE offer_locations SET state = 'open' WHERE offer_id = :id AND EXISTS "
            "(SELECT 1 FROM offers WHERE id = :id AND state = 'claimed' AND claimed_by <> "
            ":location)",
            reopened,
        )
        tx.sql.execute(
            "UPDATE offers SET state = 'open' WHERE id = :id AND state = 'claimed' "
            "AND claimed_by <> :location",
            reopened,
        )
        return original(tx, principal, offer_id, command, policy)

    operations.claim_offer = claim_offer


def expired_offers_keep_their_lines() -> None:
    """The offer sweep ends an offer nobody claimed but leaves its lines offered: they go
    nowhere."""
    from ordersync.services import offer_rounds

    offer_rounds._route_again = lambda *_args, **_kwargs: None


def apply(name: str | None) -> None:
    if name:
        globals()[name]()
