"""What only the TUI words: the status bar's view age, clock times in tables, distances in a
column that names the unit, what an outbox entry does and why the ledger refused it.

Everything the ``storeapp`` command says too is worded in ``storeapp.wording``; this goes through
the same active Translator (``storeapp.i18n``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from storeapp.cache.outbox import Entry
from storeapp.i18n import N_, _, active
from storeapp.wording.figures import NO_VALUE, age, never_synced, number
from storeapp.wording.ids import short_id
from storeapp.wording.jobs import reject_reason, state_name
from storeapp.wording.sizes import fit_name

_LINE_KINDS = {
    "sale": N_("Sale"),
    "return": N_("Return"),
    "receipt": N_("Receipt"),
    "adjustment": N_("Adjustment"),
    "transfer": N_("Transfer"),
}
# The ledger's problem titles are stable per problem type: they are translated as they come.
LEDGER_TITLES = (
    N_("Request refused"),
    N_("Not enough stock available"),
    N_("Unknown SKU"),
    N_("Unknown location"),
    N_("Unknown reference"),
    N_("Not found"),
    N_("Not allowed in the current state"),
    N_("Reservation expired"),
    N_("Commit does not match the reservation"),
    N_("Count cannot be reconciled"),
    N_("Operation id reused with a different request"),
    N_("Not allowed for this device"),
    N_("Missing or invalid token"),
    N_("Invalid request"),
    N_("Request is not valid"),
    N_("Job held by another device"),
)
_OPERATIONS = {
    "movements": N_("Stock movement"),
    "reserve": N_("Reservation"),
    "commit": N_("Reservation commit"),
    "release": N_("Reservation release"),
    "count": N_("Count"),
    "customer_return": N_("Customer return"),
    "void_sale": N_("Sale void"),
    "move_disposition": N_("Set aside"),
    "write_off": N_("Write-off"),
    "take_over_job": N_("Job takeover"),
    "claim_offer": N_("Offer claim"),
}


def view_age(delta: timedelta | None, *, online: bool = True) -> str:
    """How old the store's view of the network is, for the status bar. Offline, never "up to
    date": nobody can tell what changed since, so even a few seconds are said (``20 secs``)."""
    if delta is None:
        return never_synced()
    if not online:
        return _("view {age} old", age=age(delta, seconds=True))
    if delta < timedelta(minutes=1):
        return _("view up to date")
    return _("view {age} old", age=age(delta))


def sync_hint() -> str:
    """How staff sync from the terminal UI, for sentences that tell them to."""
    return _("sync (F5)")


def clock_time(moment: datetime, now: datetime) -> str:
    """The time alone when ``moment`` is today (store time), else the day and the time."""
    translator = active()
    if moment.astimezone(translator.zone).date() == now.astimezone(translator.zone).date():
        return translator.moment(moment, "HH:mm")
    return translator.moment(moment, "d MMM HH:mm")


def distance(km: float | None) -> str:
    """Kilometres, rounded (the column says the unit)."""
    return NO_VALUE if km is None else number(round(km))


def describe_operation(entry: Entry, job_ids: Mapping[str, str] | None = None) -> str:
    """What an outbox entry does, in words staff read (``Sale 1 x S1``); a job is named by its
    id as ``job_ids`` cuts it (the store's cached jobs, ``PickingService.short_job_ids``)."""
    payload = entry.payload
    lines = payload.get("lines")
    if payload.get("op") == "movements" and isinstance(lines, list) and lines:
        parts = [_describe_line(line) for line in lines if isinstance(line, dict)]
        if all(parts):
            return ", ".join(p for p in parts if p)
    described = _describe_fulfilment(payload, job_ids or {})
    if described is not None:
        return described
    operation = _OPERATIONS.get(str(payload.get("op", entry.kind)))
    if operation is None:
        return entry.summary
    return f"{_(operation)} · {entry.summary}"


def _describe_fulfilment(payload: dict[str, Any], job_ids: Mapping[str, str]) -> str | None:
    """A job's move, a short pick or an order in store, or None for other operations."""
    op = payload.get("op")
    job_id = str(payload.get("job_id", ""))
    # A job the cache no longer holds has nothing left to be told apart from.
    job = job_ids.get(job_id) or short_id(job_id)
    if op == "job_transition":
        return _("Job {job} → {state}", job=job, state=state_name(str(payload.get("to", ""))))
    if op == "reject_line":
        return _(
            "Short pick · job {job} line {line} ({reason})",
            job=job,
            line=payload.get("line_no", "?"),
            reason=reject_reason(str(payload.get("reason", ""))),
        )
    if op == "order":
        lines = payload.get("lines") or []
        items = ", ".join(
            f"{line.get('qty', '?')} × {line.get('sku', '?')}"  # noqa: RUF001
            for line in lines
            if isinstance(line, dict)
        )
        name = (payload.get("customer") or {}).get("name", "")
        return _("Order {items} for {name}", items=items, name=name)
    return None


def _describe_line(line: dict[str, Any]) -> str | None:
    kind = _LINE_KINDS.get(str(line.get("kind")))
    if kind is None:
        return None
    sku = line.get("sku", "?")
    if "delta" in line:
        delta = int(line["delta"])
        return _("{kind} {delta:+d} × {sku}", kind=_(kind), delta=delta, sku=sku)  # noqa: RUF001
    return _("{kind} {qty} × {sku}", kind=_(kind), qty=line.get("qty", "?"), sku=sku)  # noqa: RUF001


def refusal_reason(problem: dict[str, Any] | None) -> str:
    """The ledger's reason for refusing an operation, with the quantities it gives."""
    if not problem:
        return _("refused by the ledger (no reason given)")
    title = _(str(problem.get("title") or "").strip())
    detail = str(problem.get("detail") or "").strip()
    reason = f"{title}: {detail}" if title and detail and detail != title else title or detail
    figures = [
        _(label, value=problem[key])
        for key, label in (
            ("requested", N_("requested {value}")),
            ("available", N_("available {value}")),
            ("on_hand", N_("on hand {value}")),
        )
        if key in problem
    ]
    if problem.get("current_state"):
        figures.append(_("now {state}", state=state_name(str(problem["current_state"]))))
    if figures:
        reason = f"{reason} ({', '.join(figures)})" if reason else ", ".join(figures)
    alternatives = _alternatives(problem.get("alternatives"))
    if alternatives:
        reason = f"{reason} · {alternatives}" if reason else alternatives
    return reason or _("refused by the ledger (no reason given)")


def _alternatives(raw: Any) -> str:
    """The alternatives of a refused order, in one line: other sizes, stores to collect at."""
    if not isinstance(raw, dict):
        return ""
    parts = []
    sizes = [s for s in raw.get("other_sizes") or [] if isinstance(s, dict)]
    if sizes:
        parts.append(
            _(
                "other sizes: {sizes}",
                sizes=", ".join(
                    _(
                        "{sku} ({fit} {size} {colour}, {available} available)",
                        sku=s.get("sku", "?"),
                        fit=fit_name(str(s.get("kind") or "")),
                        size=s.get("size", ""),
                        colour=s.get("colour", ""),
                        available=s.get("available", 0),
                    )
                    for s in sizes
                ),
            )
        )
    points = raw.get("collect_at") or []
    stores = [str(p.get("location", "?")) for p in points if isinstance(p, dict)]
    if stores:
        parts.append(_("collect at: {stores}", stores=", ".join(stores)))
    return " · ".join(parts)
