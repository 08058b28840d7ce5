"""The store terminal's Textual UI: a thin shell over the services in ``storeapp.services``.

Nothing outside this package imports it: every action it offers is also reachable from the
services (CLI, tests) without loading Textual.
"""

from storeapp.tui.app import StoreApp, make_app

__all__ = ["StoreApp", "make_app"]
