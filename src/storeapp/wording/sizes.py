"""How an offered size fits against the one the customer asked for (``same size`` in another
colour, ``sister size``, ``nearby size``), in the item screen's suggestions and in the
alternatives of an order the ledger could not serve. The ranking itself is the ledger's
(``ordersync.contract.sizes``); an unknown or missing kind, from an older or newer ledger, reads
as a plain ``size`` and never fails a screen.
"""

from __future__ import annotations

from ordersync.contract import SizeFit
from storeapp.i18n import N_, _

_FITS: dict[str, str] = {
    SizeFit.SAME_SIZE_OTHER_COLOUR: N_("same size"),
    SizeFit.SISTER_SIZE: N_("sister size"),
    SizeFit.NEIGHBOUR_SIZE: N_("nearby size"),
}


def fit_name(kind: str | None) -> str:
    """``sister size``: what an offered size is to the size asked for (``size`` if unknown)."""
    label = _FITS.get(kind or "")
    return _(label) if label is not None else _("size")
