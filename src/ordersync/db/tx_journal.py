"""The change journal of a write transaction: what each operation changed, before and after.

Position updates, movements and state changes add an entry as they are made, from values their
statements already return or the service already read, so keeping the journal costs no query.
An audited operation takes its entries into its audit row. The journal follows operation scopes
(see ``TxMark``): a refused operation's entries go back with its savepoint, so a refusal records
nothing.

Taken entries are merged: a position touched twice shows its state before the first change and
after the last one, and so does an order, a job or a line whose state moved twice. Movements are
listed one by one. An operation of thousands of lines keeps the first ``MAX_AUDITED_CHANGES`` of
them and their total, so an audit row stays small.
"""

from __future__ import annotations

from typing import Any

from ordersync.contract import AuditedEntity
from ordersync.domain.stock import Stock

MAX_AUDITED_CHANGES = 200


_POSITION, _STATE, _MOVEMENT = 0, 1, 2
_Entry = tuple[Any, ...]
"""(_POSITION, sku, location, before, after, was_suspect, is_suspect),
(_STATE, entity, id, line_no, before, after) or (_MOVEMENT, kind, sku, location, qty): plain
tuples, as the journal grows by one or two per line of a batch on the write path."""


class ChangeJournal:
    """The changes of a transaction in the order they were made."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def position(
        self,
        sku: str,
        location: str,
        before: Stock,
        after: Stock,
        *,
        was_suspect: bool,
        is_suspect: bool,
    ) -> None:
        self._entries.append((_POSITION, sku, location, before, after, was_suspect, is_suspect))

    def state(
        self,
        entity: AuditedEntity,
        entity_id: str,
        before: str | None,
        after: str,
        line_no: int | None = None,
    ) -> None:
        """An order, job, line or reservation moved from ``before`` (None: it was created)."""
        self._entries.append((_STATE, entity, entity_id, line_no, before, after))

    def movement(self, kind: str, sku: str, location: str, qty: int) -> None:
        self._entries.append((_MOVEMENT, kind, sku, location, qty))

    def mark(self) -> int:
        return len(self._entries)

    def restore(self, mark: int) -> None:
        del self._entries[mark:]

    def take(self, since: int) -> dict[str, Any]:
        """The entries after ``since`` as an audit detail (``changes``, and ``changes_total``
        when there were more than it lists); they leave the journal."""
        taken = self._entries[since:]
        del self._entries[since:]
        # Each key keeps its first place; a later entry of the same key replaces its "after".
        merged: dict[Any, list[Any]] = {}
        for number, entry in enumerate(taken):
            kind = entry[0]
            if kind == _MOVEMENT:
                merged[number] = list(entry)
                continue
            key = entry[:3] if kind == _POSITION else entry[:4]
            first = merged.get(key)
            if first is None:
                merged[key] = list(entry)
            elif kind == _POSITION:
                first[4], first[6] = entry[4], entry[6]
            else:
                first[5] = entry[5]
        changes = [_as_detail(entry) for entry in list(merged.values())[:MAX_AUDITED_CHANGES]]
        detail: dict[str, Any] = {"changes": changes}
        if len(merged) > len(changes):
            detail["changes_total"] = len(merged)
        return detail


def _as_detail(entry: list[Any]) -> dict[str, Any]:
    """An entry as ``contract.AuditChange`` reads it back."""
    if entry[0] == _MOVEMENT:
        _, kind, sku, location, qty = entry
        return {"kind": "movement", "movement": kind, "sku": sku, "location": location, "qty": qty}
    if entry[0] == _STATE:
        _, entity, entity_id, line_no, was, now = entry
        state: dict[str, Any] = {
            "kind": "state",
            "entity": entity.value,
            "id": entity_id,
            "from_state": was,
            "to_state": now,
        }
        if line_no is not None:
            state["line_no"] = line_no
        return state
    _, sku, location, before, after, was_suspect, is_suspect = entry
    position: dict[str, Any] = {
        "kind": "position",
        "sku": sku,
        "location": location,
        "on_hand_before": before.on_hand,
        "on_hand_after": after.on_hand,
        "reserved_before": before.reserved,
        "reserved_after": after.reserved,
    }
    if before.safety_stock != after.safety_stock:
        position["safety_stock_before"] = before.safety_stock
        position["safety_stock_after"] = after.safety_stock
    if was_suspect != is_suspect:
        position["suspect_before"] = was_suspect
        position["suspect_after"] = is_suspect
    return position
