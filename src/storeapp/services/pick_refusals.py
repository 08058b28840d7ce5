"""Why the picking service refused a scan or an action before anything was written: stable
codes the front ends word (``storeapp.wording.jobs``), with the facts each needs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class PickRefusal(StrEnum):
    """Why the service refused an action; stable codes the screens translate."""

    UNKNOWN_JOB = "unknown_job"
    AMBIGUOUS_JOB = "ambiguous_job"
    OTHER_STORE = "other_store"
    INVALID_BARCODE = "invalid_barcode"
    """Not a GTIN-8/13 or its check digit is wrong (``problem`` says which)."""
    UNKNOWN_BARCODE = "unknown_barcode"
    """A valid GTIN no item of the cached catalog carries."""
    NOT_ON_PICK_LIST = "not_on_pick_list"
    """The scanned item is not on an open line of this job (``sku``)."""
    TOO_MANY = "too_many"
    """Every unit of that line is already scanned (``sku``, ``qty``)."""
    NOT_PICKING = "not_picking"
    """Scans are taken while the job is being picked (``state``)."""
    UNKNOWN_LINE = "unknown_line"
    LINE_NOT_OPEN = "line_not_open"
    NOTHING_SCANNED = "nothing_scanned"
    WRONG_STATE = "wrong_state"
    """The job's state does not allow it (``state``, ``allowed``)."""
    NOT_ALL_SCANNED = "not_all_scanned"
    """Some open line still misses units (``missing``: line number → units)."""
    BAD_PARCELS = "bad_parcels"
    BAD_WEIGHT = "bad_weight"
    BAD_TRACKING = "bad_tracking"
    BAD_NOTE = "bad_note"
    BAD_REASON = "bad_reason"
    """A reason the store does not give for this action (``reason``)."""
    HELD_ELSEWHERE = "held_elsewhere"
    """Another device is picking the job (``device``, ``person``, ``person_name``, ``since``)."""
    ALREADY_HELD = "already_held"
    """A takeover of a job this terminal already holds."""
    MANAGERS_ONLY = "managers_only"
    """Only a manager takes a job over."""


class PickingRefused(Exception):
    """An action the service refused before anything was written; ``facts`` details it."""

    def __init__(self, code: PickRefusal, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts
