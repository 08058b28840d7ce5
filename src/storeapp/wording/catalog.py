"""Items named by what was scanned or typed: why a barcode is not valid, a barcode no item carries,
a text that is not exactly one SKU; and where an item's stock figures come from. The services
speak English codes; these say it in the store's language.
"""

from __future__ import annotations

from datetime import datetime

from ordersync.contract import gtin_check_digit
from storeapp.i18n import _
from storeapp.services.lookup import Availability, Freshness
from storeapp.wording.figures import source_text


def barcode_problem(code: str, fallback: str | None) -> str:
    """Why ``code`` is not a valid GTIN (``fallback``: the service's own words, if none fits)."""
    if not (code.isascii() and code.isdigit()):
        return _("a barcode has digits only")
    if len(code) not in (8, 13):
        return _("a barcode has 8 or 13 digits, not {count}", count=len(code))
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return _(
            "the check digit should be {expected}, not {found}", expected=expected, found=code[-1]
        )
    return fallback or _("not a valid barcode")


def invalid_barcode(code: str, problem: str | None) -> str:
    return _(
        "{code} is not a valid barcode: {reason}.",
        code=code,
        reason=barcode_problem(code, problem),
    )


def unknown_barcode(code: str) -> str:
    return _(
        "No item carries barcode {code} in this store's catalog (sync may bring it).", code=code
    )


def not_exact(query: str, sku: str) -> str:
    """``query`` names a reference or words of a name, where one item is needed."""
    return _("“{query}” is not a SKU or a barcode (did you mean {sku}?).", query=query, sku=sku)


def _source(freshness: Freshness, now: datetime) -> str:
    age = None if freshness.as_of is None else now - freshness.as_of
    return source_text(freshness.live, age)


def availability_sources(availability: Availability, now: datetime) -> list[str]:
    """Where the figures of an item's availability come from, one part per source: the ledger's
    live answer for every row, or this store's row (and the network total) from this terminal's
    copy and the other locations from the last live answer, each with its age (once when both
    say the same)."""
    here = _source(availability.here, now)
    elsewhere = None
    if availability.elsewhere.as_of is not None:
        elsewhere = _source(availability.elsewhere, now)
    if availability.pending_delta:
        mine = _(
            "{source}, plus this terminal's {delta} not yet synced",
            source=here,
            delta=f"{availability.pending_delta:+d}",
        )
    else:
        mine = here
    if elsewhere == here:
        return [mine]
    if elsewhere is None:
        return [_("here: {source}", source=mine), _("elsewhere: never asked the ledger")]
    return [_("here: {source}", source=mine), _("elsewhere: {source}", source=elsewhere)]
