"""One picker per job, as this terminal checks it before queueing anything: a job another
device is picking is not started, scanned, short picked or marked picked here (the ledger
refuses it anyway, ``job-held``: refusing it here first spares staff a refusal later in "needs
attention"); and only a manager takes a job over.

The holder is the cache's (``storeapp.cache.job_holders``: the feed's word with this device's
unconfirmed start or takeover laid over it). A job nobody holds is anyone's to start. Who counts
as a manager here: the person signed in (their role in the cached staff), else what the ledger
last said of this device's token; when nothing is known the takeover is queued and the ledger
decides.
"""

from __future__ import annotations

from sqlalchemy import Engine

from storeapp.cache.jobs import CachedJob
from storeapp.cache.staff import find_person
from storeapp.services.pick_refusals import PickingRefused, PickRefusal
from storeapp.services.reports import known_access
from storeapp.services.staff import MANAGER_ROLES


def refuse_if_held_elsewhere(job: CachedJob) -> None:
    """Refuse when another device is picking ``job``; facts name it, the person and since when."""
    holder = job.held_by
    if holder is None or holder.this_terminal:
        return
    who = holder.device if holder.person is None else f"{holder.device} ({holder.person})"
    raise PickingRefused(
        PickRefusal.HELD_ELSEWHERE,
        f"job {job.id} is being picked on {who} since {holder.since:%H:%M} UTC",
        job_id=job.id,
        holder=holder,
        device=holder.device,
        person=holder.person,
        person_name=holder.person_name,
        since=holder.since,
    )


def refuse_unless_takeable(job: CachedJob) -> None:
    """A takeover is for a job being picked by another device (or by nobody known)."""
    if job.held_by is not None and job.held_by.this_terminal:
        raise PickingRefused(
            PickRefusal.ALREADY_HELD,
            f"job {job.id} is already being picked on this terminal",
            job_id=job.id,
        )


def may_take_over(engine: Engine, person: str | None) -> bool:
    """Whether a manager stands behind a takeover here: the person signed in, unless the cached
    staff knows them as not a manager; with nobody signed in, unless the ledger said this
    device's token is not a manager's."""
    if person is not None:
        with engine.connect() as connection:
            found = find_person(connection, person)
        return found is None or found.role in MANAGER_ROLES
    return known_access(engine) is not False


def refuse_unless_manager(engine: Engine, person: str | None) -> None:
    if not may_take_over(engine, person):
        raise PickingRefused(
            PickRefusal.MANAGERS_ONLY, "only a manager takes over a job", person=person
        )
