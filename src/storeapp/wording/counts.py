"""Counts: why a count task was opened, whether its count has left, and why a count could not
start or be submitted (the counting service's codes)."""

from __future__ import annotations

from ordersync.contract import CountTaskReason
from storeapp.i18n import N_, _
from storeapp.services.counting import CountRefusal, CountRefused
from storeapp.wording.catalog import invalid_barcode, not_exact, unknown_barcode
from storeapp.wording.figures import number

_TASK_REASONS: dict[str, str] = {
    CountTaskReason.SHORT_PICK: N_("short pick"),
    CountTaskReason.BELOW_ZERO: N_("sold below zero"),
    CountTaskReason.CYCLE: N_("cycle count"),
    CountTaskReason.UNPLANNED: N_("unplanned"),
}


def task_reason(reason: str) -> str:
    """Why a count task is open: a short pick, a sale below zero, a cycle-count plan."""
    label = _TASK_REASONS.get(reason)
    return _(label) if label else reason


def submitted_text(submitted: bool) -> str:
    """Whether a task's count is recorded here and waits for the sync (else nothing to say)."""
    return _("sent with the sync") if submitted else ""


def count_refusal(error: CountRefused, sync_hint: str) -> str:
    """Why a count could not start or be submitted; ``sync_hint`` says how to sync in this front
    end (``run `storeapp sync --once```, ``sync (F5)``)."""
    facts = error.facts
    code = error.code
    query = str(facts.get("query", ""))
    if code is CountRefusal.INVALID_BARCODE:
        return invalid_barcode(query, str(facts.get("problem") or ""))
    if code is CountRefusal.UNKNOWN_BARCODE:
        return unknown_barcode(query)
    if code is CountRefusal.NOT_FOUND:
        return _("No item {sku} in this store's catalog.", sku=query)
    if code is CountRefusal.NOT_EXACT:
        return not_exact(query, str(facts.get("sku", "")))
    if code is CountRefusal.NEVER_SYNCED:
        return _("This terminal has never synced: {sync} before counting.", sync=sync_hint)
    if code is CountRefusal.UNSENT_OPERATIONS:
        return _(
            "{count} operation(s) on {sku} made here are not sent yet: {sync}, then count "
            "it. Counted now, those sales would be taken twice.",
            count=number(int(facts.get("count", 0))),
            sku=facts.get("sku", ""),
            sync=sync_hint,
        )
    if code is CountRefusal.BAD_QUANTITY:
        return _("A count is of 0 units or more.")
    return _("Nothing was counted yet: scan the units found first.")
