"""Pick & pack: a job's (or a pick line's) state, its kind, why a line was short picked, where
the job goes, and why the picking service refused a scan or an action.

States and reasons are the ledger's codes; an unknown code shows as it came, so a newer ledger
never makes a screen fail.
"""

from __future__ import annotations

from collections.abc import Mapping

from ordersync.contract import JobKind, JobLineState, JobStateName, RejectReason
from storeapp.i18n import N_, _
from storeapp.services.job_views import JobView
from storeapp.services.picking import (
    MAX_NOTE,
    MAX_PARCELS,
    MAX_TRACKING,
    MAX_WEIGHT_GRAMS,
    PickingRefused,
    PickRefusal,
)
from storeapp.wording.catalog import invalid_barcode, unknown_barcode
from storeapp.wording.figures import number

_STATES: dict[str, str] = {
    JobStateName.ASSIGNED: N_("assigned"),
    JobStateName.PICKING: N_("picking"),
    JobStateName.PICKED: N_("picked"),
    JobStateName.PACKED: N_("packed"),
    JobStateName.SHIPPED: N_("shipped"),
    JobStateName.READY: N_("ready"),
    JobStateName.COLLECTED: N_("collected"),
    JobStateName.CANCELLED: N_("cancelled"),
    JobStateName.REJECTED: N_("rejected"),
    JobLineState.OPEN: N_("to pick"),
}
"""Job states, and the one line state that is not a job's (a line still to pick)."""
_REJECT_REASONS: dict[str, str] = {
    RejectReason.NOT_FOUND: N_("not found"),
    RejectReason.DAMAGED: N_("damaged"),
    RejectReason.OTHER: N_("other reason"),
}


def state_name(state: str) -> str:
    """A job's (or a pick line's) state as staff read it."""
    label = _STATES.get(state)
    return _(label) if label else state


def state_count(state: str, count: int) -> str:
    """``picking: 2``: how many jobs are in a state."""
    return _("{state}: {count}", state=state_name(state), count=number(count))


def kind_name(kind: str) -> str:
    """``collect`` (handed over at a store's counter) or ``ship``."""
    return _("collect") if kind == JobKind.COLLECT else _("ship")


def reject_reason(reason: str) -> str:
    """Why a line was short picked."""
    label = _REJECT_REASONS.get(reason)
    return _(label) if label else reason


def late_mark() -> str:
    """What flags a job past its due time."""
    return _("LATE")


def delivery_text(job: JobView) -> str:
    """Where the job's units go once it is done."""
    if job.kind == JobKind.COLLECT:
        return _("The customer collects it at this store's counter.")
    if job.destination:
        return _("Shipped to store {store} for collection.", store=job.destination)
    return _("Shipped to the customer's home.")


def parcels_text(job: JobView) -> str | None:
    """``2 parcel(s), 1,200 g`` once the job is packed."""
    if job.parcels is None or job.weight_grams is None:
        return None
    return _(
        "{parcels} parcel(s), {weight} g", parcels=job.parcels, weight=number(job.weight_grams)
    )


def tracking_text(job: JobView) -> str | None:
    return None if not job.tracking else _("Tracking: {tracking}", tracking=job.tracking)


def job_gone() -> str:
    """A job on screen the store's queue no longer holds (cancelled, or routed elsewhere)."""
    return _("This job is not in this store's queue any more.")


def pick_refusal(error: PickingRefused, sync_hint: str) -> str:
    """Why the picking service refused a scan or an action; ``sync_hint`` says how to sync in
    this front end (``run `storeapp sync --once```, ``sync (F5)``)."""
    facts = error.facts
    code = error.code
    if code is PickRefusal.UNKNOWN_JOB:
        return _(
            "There is no job {job} at this store: {sync} if it is new.",
            job=facts.get("job_id", ""),
            sync=sync_hint,
        )
    if code is PickRefusal.AMBIGUOUS_JOB:
        return _("Several jobs start with {job}: give more of its id.", job=facts.get("job_id", ""))
    if code is PickRefusal.INVALID_BARCODE:
        return invalid_barcode(str(facts.get("barcode", "")), str(facts.get("problem") or ""))
    if code is PickRefusal.UNKNOWN_BARCODE:
        return unknown_barcode(str(facts.get("barcode", "")))
    if code is PickRefusal.NOT_ON_PICK_LIST:
        return _(
            "Wrong item: {sku} is not on this pick list. Put it back on the shelf.",
            sku=facts.get("sku", ""),
        )
    if code is PickRefusal.TOO_MANY:
        return _(
            "Too many: the {qty} unit(s) of {sku} are already scanned.",
            qty=facts.get("qty", ""),
            sku=facts.get("sku", ""),
        )
    if code is PickRefusal.NOT_PICKING:
        return _(
            "Start picking (s) before scanning: the job is {state}.",
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.WRONG_STATE:
        return _(
            "Not possible now: the job is {state}.",
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.NOT_ALL_SCANNED:
        missing = facts.get("missing") or {}
        return _(
            "Scan every unit, or short pick the line, first: {count} unit(s) still missing.",
            count=sum(int(v) for v in missing.values()) if isinstance(missing, Mapping) else "?",
        )
    if code is PickRefusal.LINE_NOT_OPEN:
        return _(
            "Line {line} is already {state}.",
            line=facts.get("line_no", ""),
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.NOTHING_SCANNED:
        return _("No unit of line {line} is scanned.", line=facts.get("line_no", ""))
    if code is PickRefusal.UNKNOWN_LINE:
        return _("This job has no line {line}.", line=facts.get("line_no", ""))
    if code is PickRefusal.BAD_PARCELS:
        return parcels_problem()
    if code is PickRefusal.BAD_WEIGHT:
        return weight_problem()
    if code is PickRefusal.BAD_TRACKING:
        return tracking_problem()
    if code is PickRefusal.BAD_NOTE:
        return _("A note has at most {most} characters.", most=MAX_NOTE)
    return job_gone()


def parcels_problem() -> str:
    return _("Give 1 to {most} parcels.", most=MAX_PARCELS)


def weight_problem() -> str:
    return _("Give a weight of 1 to {most} grams.", most=number(MAX_WEIGHT_GRAMS))


def tracking_problem() -> str:
    return _("The tracking reference has 1 to {most} characters.", most=MAX_TRACKING)
