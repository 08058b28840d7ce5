"""Claims and offers per store: how the offers of competitive allocation made on the window's
days ended for each store they were made to, and how long its winning claims took.

An offer falls on the day it was made, in the calendar of the store it was made to. Offers are
read with the stores they went to, by the offers' creation time; the answers by primary key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, select

from ordersync.contract import OfferAnswer
from ordersync.contract.touchpoints import OfferOutcomeRow, OfferOutcomes
from ordersync.db.ledger_tx import table_of
from ordersync.db.offer_tables import OfferLocationRow, OfferRow
from ordersync.domain.analytics.touchpoints import quantile
from ordersync.services.reports.touchpoint_reads import span_of
from ordersync.services.reports.touchpoints import DEFAULT_DAYS

OFFERS = table_of(OfferRow)
OFFER_LOCATIONS = table_of(OfferLocationRow)
MINUTE_DIGITS = 1


def offer_outcomes(
    connection: Connection, now: datetime, *, location: str | None = None, days: int = DEFAULT_DAYS
) -> OfferOutcomes:
    """Offers received, won, lost to another store, expired and still open, per store."""
    span = span_of(connection, now, location, days)
    low, high = span.bounds()
    codes = [code for code in span.places if span.covers(code)]
    rows = connection.execute(
        select(
            OFFER_LOCATIONS.c.location,
            OFFER_LOCATIONS.c.state,
            OFFER_LOCATIONS.c.answered_at,
            OFFERS.c.created_at,
        )
        .select_from(OFFERS.join(OFFER_LOCATIONS, OFFER_LOCATIONS.c.offer_id == OFFERS.c.id))
        .where(
            OFFERS.c.created_at >= low,
            OFFERS.c.created_at < high,
            OFFER_LOCATIONS.c.location.in_(codes),
        )
    )
    answers: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    claim_minutes: dict[str, list[float]] = defaultdict(list)
    for code, state, answered_at, created_at in rows:
        if not span.holds(created_at, code):
            continue
        answers[code][state] += 1
        if state == OfferAnswer.WON.value and answered_at is not None:
            claim_minutes[code].append((answered_at - created_at).total_seconds() / 60)
    return OfferOutcomes(
        location=location,
        start=span.first,
        end=span.last,
        rows=[
            OfferOutcomeRow(
                location=code,
                received=sum(counts.values()),
                claimed=counts[OfferAnswer.WON.value],
                lost=counts[OfferAnswer.LOST.value],
                expired=counts[OfferAnswer.EXPIRED.value],
                open=counts[OfferAnswer.OPEN.value],
                median_minutes_to_claim=(
                    round(quantile(claim_minutes[code], 0.5), MINUTE_DIGITS)
                    if claim_minutes[code]
                    else None
                ),
            )
            for code, counts in sorted(answers.items())
        ],
    )
