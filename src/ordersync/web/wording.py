"""Every word the head-office pages show: titles, table captions and headings, messages.

Templates and table builders read their text from here, so a heading reads the same on the page
and in its CSV file.
"""

from __future__ import annotations

from typing import Final

PRODUCT: Final = "Head office"

# page titles
TITLE_SIGN_IN: Final = "Sign in"
TITLE_NETWORK: Final = "Network at a glance"
TITLE_STORE: Final = "Store {code}: {name}"
TITLE_TOUCHPOINTS: Final = "Touchpoints"
TITLE_STOCK: Final = "Stock-out risk and replenishment"

NAV: Final = (
    ("/hq/", TITLE_NETWORK),
    ("/hq/touchpoints", TITLE_TOUCHPOINTS),
    ("/hq/stock", TITLE_STOCK),
)

# sign-in and sign-out
SIGN_IN_LEAD: Final = "Paste the API token of a manager or admin device to open the dashboard."
TOKEN_LABEL: Final = "API token"  # noqa: S105 (a label, not a secret)
SIGN_IN_BUTTON: Final = "Sign in"
SIGN_OUT_BUTTON: Final = "Sign out"
SIGNED_IN_AS: Final = "{role} of {location} ({device})"
BAD_TOKEN: Final = "This token is unknown or revoked."  # noqa: S105 (a message)
NOT_A_MANAGER: Final = "Only manager and admin tokens open the head-office pages."
STAFF_SIGN_IN_NOTE: Final = (
    "Staff PIN sign-in works on store terminals only: it needs the terminal's own device token."
)

# error pages
ERROR_TITLES: Final = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    422: "Bad request",
    503: "Temporarily unavailable",
}
ERROR_FALLBACK_TITLE: Final = "Something went wrong"
FORBIDDEN_STORE: Final = "This page belongs to store {code}; you may see {own} only."
UNKNOWN_STORE: Final = "There is no store {code} in the network."
UNKNOWN_PAGE: Final = "There is no such head-office page."
UNKNOWN_TABLE: Final = "This page has no table {table}."
UNKNOWN_CHART: Final = "This page has no chart {chart}."
CSRF_REFUSED: Final = "This form was not sent from a page of this dashboard (or has expired)."
DATABASE_DOWN: Final = "The ledger's database did not answer; try again in a moment."
UNEXPECTED: Final = "The page could not be made; the server log says why."
BACK_HOME: Final = "Back to the network page"

# the network page
REFRESHED_AT: Final = "Refreshed at {time}"
AUTO_REFRESH_NOTE: Final = "This page refreshes itself every {seconds} seconds."
NETWORK_CAPTION: Final = "Every store's open work and what needs attention"
NETWORK_HEADINGS: Final = (
    "Store",
    "Name",
    "Open jobs",
    "Late jobs",
    "Offers not claimed",
    "Terminals offline",
    "Refused operations",
    "Suspect positions",
)

# a store's page
STORE_QUEUE_CAPTION: Final = "Open jobs (the queue), next due first"
LATE_JOBS_CAPTION: Final = "Late jobs"
JOB_HEADINGS: Final = (
    "Job",
    "Order",
    "Kind",
    "State",
    "Customer",
    "Lines",
    "Units",
    "Due",
    "Minutes to due",
)
JOBS_BY_STATE_CAPTION: Final = "Jobs by state (open now, or ended today)"
JOBS_BY_STATE_HEADINGS: Final = ("State", "Jobs")
TERMINALS_CAPTION: Final = "Terminals"
TERMINAL_HEADINGS: Final = (
    "Device",
    "Role",
    "Last seen",
    "Minutes since seen",
    "Offline",
    "Operations waiting",
    "Refused operations",
)
SUSPECTS_CAPTION: Final = "Suspect positions (a count is due)"
SUSPECT_HEADINGS: Final = ("SKU", "On hand", "Reserved", "Available")
NO_JOBS: Final = "No open job."
NO_LATE_JOBS: Final = "No late job."
NO_TERMINALS: Final = "No terminal has reported itself."
NO_SUSPECTS: Final = "No suspect position."

# the stock page
RISK_CAPTION: Final = "Stock-out risk: positions that run out before their next replenishment"
RISK_HEADINGS: Final = (
    "Store",
    "SKU",
    "Name",
    "Size",
    "Available",
    "Overdrawn",
    "Per day",
    "Days of cover",
    "Runs out by",
    "Next replenishment",
    "Value at risk",
    "Currency",
)
REPLENISHMENT_CAPTION: Final = "Replenishment suggested"
REPLENISHMENT_HEADINGS: Final = (
    "Store",
    "SKU",
    "Name",
    "Per day",
    "Order up to",
    "On hand",
    "Reserved",
    "On order",
    "In transit",
    "Suggested",
)
NO_RISK: Final = "No position runs out before its next replenishment."
NO_REPLENISHMENT: Final = "Nothing to order."
RISK_CHART_TITLE: Final = "Value at risk per store"
RISK_CHART_AXIS: Final = "value at risk ({currency})"
ROWS_CUT: Final = (
    "The first {shown} rows of {total} are shown here; the CSV download holds all {total}."
)
RISK_FLAGGED_LEGEND: Final = (
    "Highlighted, and overdrawn: the record gives less than nothing to sell (more reserved or "
    "kept back than on hand, shown as 0 available): a receipt was missed or a count is due."
)

# the touchpoints page
TOUCHPOINTS_WINDOW_NOTE: Final = (
    "{start} to {end}. Each unit counts once, on the day it reached its customer, at the store "
    "the customer dealt with. Values in {currency}."
)
TOUCHPOINT_LABELS: Final = {
    "counter_sale": "Counter sale",
    "order_in_store": "Order in store",
    "web_from_warehouse": "Web, shipped from a warehouse",
    "web_from_store": "Web, shipped from a store",
    "web_drop_ship": "Web, drop-shipped by a supplier",
    "click_and_collect": "Click & collect (reserve & collect included)",
}
TOTALS_CAPTION: Final = "Sales by touchpoint"
TOTALS_HEADINGS: Final = ("Touchpoint", "Units", "Value", "Share of units %")
BY_STORE_CAPTION: Final = "Sales by store, most units first"
BY_STORE_FIRST: Final = "Location"
BY_STORE_LAST: Final = ("Units", "Value")
CONTRIBUTION_CAPTION: Final = "Store contribution to web orders (from their own stock)"
CONTRIBUTION_HEADINGS: Final = (
    "Location",
    "Kind",
    "Units shipped",
    "Value shipped",
    "Units handed over from the shelf",
    "Value handed over",
    "Units handed over from parcels",
    "Share of web units %",
)
CONTRIBUTION_NOTE: Final = (
    "Stores served {store_units} of the network's {web_units} web units ({share})."
)
SPLIT_CAPTION: Final = "Split orders (served from more than one location)"
SPLIT_HEADINGS: Final = ("Location", "Orders served", "Split orders", "Split rate %")
SPLIT_NOTE: Final = "{split_orders} of {orders} orders were split ({rate})."
TIME_CAPTION: Final = "Time to customer, from the order (hours)"
TIME_HEADINGS: Final = (
    "Touchpoint",
    "Location",
    "Until",
    "Jobs",
    "Median hours",
    "9 in 10 within hours",
)
CANCELLATIONS_CAPTION: Final = "Cancellations and rejections by reason, most units first"
CANCELLATION_HEADINGS: Final = ("Location", "What", "Reason", "Count", "Units")
CANCELLATION_SOURCES: Final = {
    "job": "job cancelled",
    "job_line": "job line rejected",
    "order_line": "order line not served",
}
HOME_DELIVERY: Final = "(web, delivered home)"
OFFERS_CAPTION: Final = "Offers of competitive allocation, by store"
OFFER_HEADINGS: Final = (
    "Store",
    "Received",
    "Claimed",
    "Lost to another store",
    "Expired",
    "Open",
    "Median minutes to claim",
)
NO_SALES: Final = "Nothing was served in this window."
NO_ROWS: Final = "Nothing in this window."
TREND_CHART_TITLE: Final = "Counter sales, units per day"
ORDER_TREND_CHART_TITLE: Final = "Orders (web and in store), units per day, on their own scale"
STORES_CHART_TITLE: Final = "Units per location (ranked)"
CONTRIBUTION_CHART_TITLE: Final = (
    "Web units served per location, from its own stock: shipped, or handed over from the shelf"
)
UNITS_AXIS: Final = "units"
NOT_AVAILABLE: Final = "n/a"
EMPTY_CHART: Final = "no data"
