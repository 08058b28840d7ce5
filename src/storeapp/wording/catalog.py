"""Items named by what was scanned or typed: why a barcode is not valid, a barcode no item carries,
a text that is not exactly one SKU. The services speak English codes; these say it in the store's
language.
"""

from __future__ import annotations

from ordersync.contract import gtin_check_digit
from storeapp.i18n import _


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
