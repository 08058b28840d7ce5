"""The routers of the head-office pages, in the order the app factory includes them."""

from __future__ import annotations

from ordersync.web import pages, sign_in

HQ_ROUTERS = (sign_in.router, pages.router)
"""In this order: the pages router ends with the catch-all that answers unknown addresses."""
