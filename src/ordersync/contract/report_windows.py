"""How many days each report looks back by default, and how many it may: the one definition the
ledger's API, ``ordersync report`` and the store terminal all read.

A report's window is its complete days before today (the variance report's days end today). A
front end that asks a report without saying how many days gets the same figure as one that
sends the default: the API's query defaults, the command's option defaults and the store
terminal's requests are all these numbers.
"""

from __future__ import annotations

from typing import NamedTuple


class ReportWindow(NamedTuple):
    """The days a report covers when none are asked for, and the most it may be asked for."""

    default: int
    longest: int = 365


SALES_TREND_WINDOW = ReportWindow(28)
TREND_RECENT_WINDOW = ReportWindow(7, 182)
"""The recent part of the sales trend, compared with as many days before it."""
STOCKOUTS_WINDOW = ReportWindow(28)
KPIS_WINDOW = ReportWindow(30)
RETURNS_WINDOW = ReportWindow(28)
VARIANCE_WINDOW = ReportWindow(28, 366)
TOUCHPOINTS_WINDOW = ReportWindow(28)
"""Every touchpoint report: sales, store contribution, split rate, time to customer,
cancellations and offers."""
