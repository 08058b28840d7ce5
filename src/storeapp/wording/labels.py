"""Carrier labels: the captions printed on a label (in the store's language), where its files
were written, and why none was.
"""

from __future__ import annotations

from storeapp.i18n import _
from storeapp.services.labels.printing import LabelRefusal, LabelRefused, LabelsWritten
from storeapp.services.labels.template import LabelWords
from storeapp.wording.figures import number
from storeapp.wording.jobs import state_name


def _parcel(parcel: int, parcels: int) -> str:
    return _("Parcel {parcel} of {parcels}", parcel=parcel, parcels=parcels)


def _weight(grams: int, parcels: int) -> str:
    if parcels == 1:
        return _("Weight {weight} g", weight=number(grams))
    return _("Weight {weight} g (all {parcels} parcels)", weight=number(grams), parcels=parcels)


def _collect_at(name: str, code: str) -> str:
    return _("To collect at {store} ({code})", store=name, code=code)


def label_words() -> LabelWords:
    """The captions of a label in the active language."""
    return LabelWords(
        sender=_("Sender"),
        recipient=_("Recipient"),
        order=_("Order reference"),
        job=_("Fulfilment job"),
        parcel=_parcel,
        weight=_weight,
        carrier=_("Carrier"),
        tracking=_("Tracking number"),
        collect_at=_collect_at,
    )


def labels_written(written: LabelsWritten) -> str:
    """Where the labels are, one file per parcel."""
    paths = [str(path) for path in written.paths]
    if len(paths) == 1:
        return _("Label to print: {path}", path=paths[0])
    return _(
        "{count} labels to print (one per parcel): {paths}",
        count=len(paths),
        paths=", ".join(paths),
    )


def labels_to_print(count: int) -> str:
    """The heading of a list of label files, one a line."""
    return _("Labels to print, one per parcel ({count}):", count=count)


def label_refusal(error: LabelRefused) -> str:
    """Why no label was written."""
    if error.code is LabelRefusal.UNKNOWN_JOB:
        return _("There is no job {job} at this store.", job=error.facts.get("job_id", ""))
    if error.code is LabelRefusal.NOT_SHIPPED:
        if error.facts.get("kind") == "collect":
            return _("A collection is handed over at the counter: it has no carrier label.")
        return _(
            "A label needs the tracking number: ship the job first (it is {state}).",
            state=state_name(str(error.facts.get("state", ""))),
        )
    return _("The ledger gave no address for this parcel: sync, then print the label again.")


def label_failed(reason: object) -> str:
    """The label could not be written (the disk, the folder): the job is shipped all the same."""
    return _("The job is shipped, but its label could not be written: {reason}", reason=reason)
