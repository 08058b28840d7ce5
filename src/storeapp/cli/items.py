"""The item a command was given (``lookup``, ``sell``, ``order``): the one item a SKU or a barcode
names, or the error that says why there is none, with the same words in every command."""

from __future__ import annotations

from storeapp.cli.session import EXIT_USAGE, CliError
from storeapp.i18n import _
from storeapp.services.catalog import CatalogItem
from storeapp.services.lookup import Found, LookupResult


def not_found_error(result: LookupResult) -> CliError:
    if result.found is Found.BAD_BARCODE:
        return CliError(
            _(
                "{query} is not a valid barcode: {problem}",
                query=result.query,
                problem=result.problem,
            )
        )
    if result.found is Found.UNKNOWN_BARCODE:
        return CliError(
            _(
                "no item has the barcode {query} (if it is new, run `storeapp sync --once`)",
                query=result.query,
            )
        )
    if not result.query:
        return CliError(_("give a barcode, a SKU, a reference or words of a name"), EXIT_USAGE)
    return CliError(_("nothing in the catalog matches {query}", query=result.query))


def one_item(result: LookupResult) -> CatalogItem:
    """The one item ``result`` found; several matches or none is a ``CliError``."""
    if result.found is Found.MATCHES:
        raise CliError(
            _(
                "{query} matches several items: give one SKU or scan its barcode",
                query=result.query,
            )
        )
    if result.found is not Found.ITEM or result.item is None:
        raise not_found_error(result)
    return result.item
