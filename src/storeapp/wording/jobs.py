"""Pick & pack: a job's (or a pick line's) state, its kind, why a line was short picked, where
the job goes, who is picking it, and why the picking service refused a scan or an action.

States and reasons are the ledger's codes; an unknown code shows as it came, so a newer ledger
never makes a screen fail.
"""

from __future__ import annotations

from collections.abc import Mapping

from ordersync.contract import CancelReason, JobKind, JobLineState, JobStateName
from ordersync.contract.vocabulary import STORE_CANCEL_REASONS
from storeapp.cache.job_holders import Holder
from storeapp.i18n import N_, _, active
from storeapp.services.job_views import JobView, PickLine
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
_REASONS: dict[str, str] = {
    CancelReason.NOT_FOUND: N_("not found"),
    CancelReason.DAMAGED: N_("damaged"),
    CancelReason.MISMATCH: N_("not the item ordered"),
    CancelReason.NOT_CLAIMED_IN_TIME: N_("not claimed in time"),
    CancelReason.NOT_PREPARED_IN_TIME: N_("not prepared in time"),
    CancelReason.NO_SHOW: N_("customer did not come"),
    CancelReason.CUSTOMER_CANCELLED: N_("cancelled by the customer"),
    CancelReason.UNFULFILLABLE: N_("no stock anywhere"),
    CancelReason.OTHER: N_("other reason"),
}
"""Why a line was rejected or a job or line cancelled: the ledger's one list of reasons."""


def state_name(state: str) -> str:
    """A job's (or a pick line's) state as staff read it."""
    label = _STATES.get(state)
    return _(label) if label else state


def line_state_name(line: PickLine) -> str:
    """A pick line's state: ``scanned`` once every unit of an open line is, else its state."""
    return _("scanned") if line.complete else state_name(line.state)


def holder_text(holder: Holder) -> str:
    """``picking: device TILL-2, Léa since 10:42``: who is picking a job, and since when."""
    when = active().moment(holder.since, "HH:mm")
    person = holder.person_name or holder.person
    if holder.this_terminal:
        if person:
            return _("picking on this terminal, {person} since {time}", person=person, time=when)
        return _("picking on this terminal since {time}", time=when)
    if person:
        return _(
            "picking: device {device}, {person} since {time}",
            device=holder.device,
            person=person,
            time=when,
        )
    return _("picking: device {device} since {time}", device=holder.device, time=when)


def held_elsewhere(job: JobView) -> bool:
    """Another device is picking the job: only it (or a manager taking over) continues."""
    return job.held_by is not None and not job.held_by.this_terminal


def state_count(state: str, count: int) -> str:
    """``picking: 2``: how many jobs are in a state."""
    return _("{state}: {count}", state=state_name(state), count=number(count))


def kind_name(kind: str) -> str:
    """``collect`` (handed over at a store's counter) or ``ship``."""
    return _("collect") if kind == JobKind.COLLECT else _("ship")


def reject_reason(reason: str) -> str:
    """Why a line was short picked."""
    return cancel_reason(reason)


def cancel_reason(reason: str) -> str:
    """Why a job or an order line was cancelled (or a line rejected)."""
    label = _REASONS.get(reason)
    return _(label) if label else reason


def job_state_label(job: JobView) -> str:
    """The job's state as staff read it; a collection whose parcel has not reached the store
    yet is on its way, not picked; a cancelled job says why."""
    if job.on_its_way:
        return _("on its way")
    if job.state == JobStateName.CANCELLED and job.cancel_reason:
        return _("cancelled ({reason})", reason=cancel_reason(job.cancel_reason))
    return state_name(job.state)


def cancel_choices() -> list[tuple[str, str]]:
    """The reasons a store gives when it cancels a job, each ``(code, label)``, in the order
    they are offered."""
    return [(reason.value, _first_upper(cancel_reason(reason))) for reason in STORE_CANCEL_REASONS]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def parcel_on_its_way() -> str:
    """The next step of a collection whose parcel is still travelling to this store."""
    return _(
        "The parcel is on its way to this store. When it arrives, press y "
        "(arrived, ready for collection)."
    )


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
            "Units are scanned while the job is being picked: it is {state}.",
            state=state_name(str(facts.get("state", ""))),
        )
    if code is PickRefusal.HELD_ELSEWHERE and isinstance(facts.get("holder"), Holder):
        return _(
            "Another terminal has this job ({holder}): only it continues, unless a manager "
            "takes it over.",
            holder=holder_text(facts["holder"]),
        )
    if code is PickRefusal.ALREADY_HELD:
        return _("This terminal is already picking this job.")
    if code is PickRefusal.MANAGERS_ONLY:
        return _("Only a manager takes over a job another terminal is picking.")
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
    if code is PickRefusal.BAD_REASON:
        return _(
            "A job is cancelled for one of these reasons: {reasons}.",
            reasons=", ".join(cancel_reason(reason) for reason in STORE_CANCEL_REASONS),
        )
    return job_gone()


def parcels_problem() -> str:
    return _("Give 1 to {most} parcels.", most=MAX_PARCELS)


def weight_problem() -> str:
    return _("Give a weight of 1 to {most} grams.", most=number(MAX_WEIGHT_GRAMS))


def tracking_problem() -> str:
    return _("The tracking reference has 1 to {most} characters.", most=MAX_TRACKING)


def other_reason_unsaid() -> str:
    """A short pick for ``other`` reason without a note saying which."""
    return _("Say what the other reason is.")


def short_pick_recorded() -> str:
    return _("Short pick recorded: the ledger routes the line elsewhere.")


def step_recorded(state: str) -> str:
    """A job's step recorded on this device, before the ledger has heard of it."""
    return _(
        "Recorded: {state}. It reaches the ledger with the next sync.", state=state_name(state)
    )
