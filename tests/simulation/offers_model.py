"""The oracle of competitive allocation: the offers the ledger must make, who wins each, and where
an offer's lines go when nobody claims it in time, rebuilt from what the ledger applied, in its
order (the rules of ``oracle`` for everything else).

It shares the orders, jobs and stock of ``LedgerModel`` and keeps what offers add: every offer
(its lines, the locations it was made to, best placed first, when it expires, how it ended) and
which orders the competitive rule routes (web orders: ``ledger.COMPETITIVE_POLICY``). Its rules:

* routing by the competitive rule sends an assignment straight to one location (a job) only at
  the collection store's own counter or when fewer than two locations could serve it; otherwise
  it offers its lines to ``min(offer_to, able)`` distinct locations, every one of them able to
  serve all its lines (never the collection store), holding no units: the lines are ``offered``;
* a claim (``claim_offer``) by a store the offer was not made to is refused (404); of an offer
  another store claimed, refused ``offer-taken`` naming the winner; of an offer the winner
  claimed, answered the same won offer; of an offer past its time (expired, or its
  ``expires_at`` reached by the ledger's clock), refused ``offer-expired``; of an open offer
  whose units the store cannot reserve, refused ``insufficient-stock`` with nothing changed;
  otherwise it wins: one job at the store (id from the offer), each line's units reserved once,
  the lines ``routed``. At most one claim wins an offer;
* the sweep at time T ends exactly the open offers whose ``expires_at`` is T or earlier, in
  (expires_at, id) order, each routed again with every location already offered those lines
  (or that rejected them) left out: every line ends in exactly one place, a job at an able
  location, a new offer (the next round) to able locations, or ``unfulfillable`` with the
  reason ``not_claimed_in_time`` when no location left could serve it; never split when one
  location could serve them all, from the collection store's own shelf when it holds them all.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from tests.simulation.oracle import LedgerModel, ModelOrder

OFFER_OPS = frozenset({"claim_offer"})
PROBLEM = "urn:ordersync:problem:"
OFFER_TAKEN = f"{PROBLEM}offer-taken"
OFFER_EXPIRED = f"{PROBLEM}offer-expired"
NOT_FOUND = f"{PROBLEM}not-found"
INSUFFICIENT = f"{PROBLEM}insufficient-stock"
NOT_CLAIMED_IN_TIME = "not_claimed_in_time"
Lines = list[tuple[int, str, int]]
"""(order line number, sku, units)."""


class OfferMismatch(AssertionError):
    """The ledger did something competitive allocation's rules do not allow."""


def offer_id_for(order_id: str, attempt: str, numbers: list[int]) -> str:
    """The id the ledger gives the offer of these order lines (``services.offers``)."""
    joined = ",".join(str(n) for n in numbers)
    return str(uuid.uuid5(uuid.UUID(order_id), f"offer:{attempt}:{joined}"))


def decided_offers(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The offers the order's latest routing decision made (an ``Order`` as the API answers)."""
    records = sorted(order.get("routing") or [], key=lambda record: int(record["id"]))
    return list(records[-1]["explanation"].get("offers") or []) if records else []


def moment(value: Any) -> datetime:
    """A time as the ledger's database or its JSON holds it, in UTC."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass
class ModelOffer:
    id: str
    order_id: str
    round: int
    lines: Lines
    locations: list[str]
    expires_at: datetime
    state: str = "open"
    claimed_by: str | None = None
    job_id: str | None = None
    won_by: str | None = None
    """The operation id of the claim that won it."""


@dataclass
class Placement:
    """Where routing sent some order lines: jobs (location, lines) and offers (as the decision
    explains them: ``offer_id``, ``round``, ``lines``, ``locations``, ``expires_at``)."""

    jobs: list[tuple[str, Lines]]
    offers: list[dict[str, Any]]


@dataclass
class OffersModel:
    stock: LedgerModel
    offer_to: int = 3
    claim_minutes: int = 10
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    """The ledger's clock (the harness's ``ledger.frozen_at``)."""
    location_of: dict[str, str] = field(default_factory=dict)
    """Terminal name -> its store."""
    offers: dict[str, ModelOffer] = field(default_factory=dict)
    competitive: set[str] = field(default_factory=set)
    """Orders the competitive rule routes (web orders)."""
    unclaimed: dict[tuple[str, int], str] = field(default_factory=dict)
    """(order, line) -> the offer whose expiry left it unfulfillable."""
    figures: Counter[str] = field(default_factory=Counter)

    # --- routing --------------------------------------------------------------------------------

    def able(self, lines: Lines, left_out: set[str]) -> list[str]:
        return [
            loc
            for loc in self.stock.locations
            if loc not in left_out and self.stock.can_serve(loc, [(s, q) for _, s, q in lines])
        ]

    def check_placement(
        self, order: ModelOrder, placement: Placement, excluded: frozenset[str], what: str
    ) -> None:
        """Before any of it is carried out (the stock as routing saw it): jobs that should have
        been offers, offers made to locations that could not serve them, or too few or many."""
        competitive = order.id in self.competitive
        left_out = set(excluded) | ({order.collect_at} if order.collect_at else set())
        for location, lines in placement.jobs:
            if not competitive or location == order.collect_at:
                continue
            able = self.able(lines, left_out)
            if len(able) >= 2:
                raise OfferMismatch(
                    f"{what}: lines {[n for n, _, _ in lines]} went straight to {location}; "
                    f"{able} could each serve them, so they must be offered"
                )
        for offer in placement.offers:
            if not competitive:
                raise OfferMismatch(f"{what}: offer {offer['offer_id']} by a rule that offers none")
            lines = self.lines_of(order, list(offer["lines"]))
            able = self.able(lines, left_out)
            locations = [str(loc) for loc in offer["locations"]]
            want = min(self.offer_to, len(able))
            if len(set(locations)) != len(locations) or not set(locations) <= set(able):
                raise OfferMismatch(
                    f"{what}: offer {offer['offer_id']} made to {locations}; only {able} can "
                    f"serve lines {[n for n, _, _ in lines]} ({sorted(left_out)} left out)"
                )
            if len(locations) != want or want < 2:
                raise OfferMismatch(
                    f"{what}: offer {offer['offer_id']} made to {locations}, not to {want} of "
                    f"{able}"
                )

    @staticmethod
    def lines_of(order: ModelOrder, numbers: list[int]) -> Lines:
        return [(int(n), str(order.lines[int(n)][0]), int(order.lines[int(n)][1])) for n in numbers]

    def made(
        self, order: ModelOrder, offers: list[dict[str, Any]], attempt: str, round_no: int
    ) -> None:
        """Record the offers of a decision carried out: their lines are offered."""
        for raw in offers:
            numbers = [int(n) for n in raw["lines"]]
            offer_id = str(raw["offer_id"])
            if offer_id != offer_id_for(order.id, attempt, numbers) or offer_id in self.offers:
                raise OfferMismatch(f"offer {offer_id} of {order.id} ({attempt}): not its id")
            expires = moment(raw["expires_at"])
            if expires != self.now() + timedelta(minutes=self.claim_minutes):
                raise OfferMismatch(f"offer {offer_id} expires at {expires}, made at {self.now()}")
            if int(raw["round"]) != round_no:
                raise OfferMismatch(f"offer {offer_id} is round {raw['round']}, not {round_no}")
            self.offers[offer_id] = ModelOffer(
                offer_id,
                order.id,
                round_no,
                self.lines_of(order, numbers),
                [str(loc) for loc in raw["locations"]],
                expires,
            )
            for n in numbers:
                order.lines[n][2] = "offered"
            self.figures["offers made"] += 1
            self.figures[f"offers made to {len(raw['locations'])} locations"] += 1

    # --- claims ---------------------------------------------------------------------------------

    def apply(self, op: dict[str, Any], status: int, body: dict[str, Any], owner: str) -> None:
        op_id, offer_id = str(op["op_id"]), str(op["offer_id"])
        location = self.location_of.get(owner, owner)
        offer = self.offers.get(offer_id)
        if offer is None or location not in offer.locations:
            self._refused(op_id, status, body, NOT_FOUND, "not made to the store")
            return
        if offer.state == "claimed":
            if offer.claimed_by != location:
                self._refused(op_id, status, body, OFFER_TAKEN, "taken")
                if body.get("claimed_by") != offer.claimed_by:
                    raise OfferMismatch(
                        f"claim {op_id}: refused as claimed by {body.get('claimed_by')}, the "
                        f"model says {offer.claimed_by}"
                    )
                return
            self._won(op_id, status, body, offer)
            self.figures["claims answered again (the store had won it)"] += 1
            return
        if offer.state == "expired" or offer.expires_at <= self.now():
            self._refused(op_id, status, body, OFFER_EXPIRED, "expired")
            return
        order = self.stock.orders[offer.order_id]
        short = [
            (sku, qty) for _, sku, qty in offer.lines if self.stock.available(sku, location) < qty
        ]
        if short:
            self._refused(op_id, status, body, INSUFFICIENT, "units gone")
            return
        job_id = str((body.get("job") or {}).get("id"))
        if status != 200:
            raise OfferMismatch(
                f"claim {op_id} of open offer {offer_id} at {location}: the ledger answered "
                f"{status} {body}, the model expects it to win"
            )
        job = self.stock.open_job(order, location, f"offer-{offer_id}", offer.lines, job_id)
        offer.state, offer.claimed_by, offer.job_id, offer.won_by = (
            "claimed",
            location,
            job.id,
            op_id,
        )
        for n, _, _ in offer.lines:
            order.lines[n][2] = "routed"
        self._won(op_id, status, body, offer)
        self.figures["claims won"] += 1
        self.figures[f"offers claimed in round {offer.round}"] += 1

    def _won(self, op_id: str, status: int, body: dict[str, Any], offer: ModelOffer) -> None:
        view = body.get("offer") or {}
        got = (
            status,
            view.get("answer"),
            view.get("claimed_by"),
            (body.get("job") or {}).get("id"),
        )
        want = (200, "won", offer.claimed_by, offer.job_id)
        if got != want:
            raise OfferMismatch(
                f"claim {op_id} of offer {offer.id}: the ledger answered (status, answer, "
                f"winner, job) {got}; the model expects {want}"
            )

    def _refused(self, op_id: str, status: int, body: dict[str, Any], kind: str, why: str) -> None:
        if status not in (403, 404, 409) or body.get("type") != kind:
            raise OfferMismatch(
                f"claim {op_id}: the model expects it refused ({kind}), the ledger answered "
                f"{status} {body}"
            )
        self.figures[f"claims refused ({why})"] += 1

    # --- the sweep ------------------------------------------------------------------------------

    def due(self, at: datetime) -> list[ModelOffer]:
        due = [o for o in self.offers.values() if o.state == "open" and o.expires_at <= at]
        return sorted(due, key=lambda offer: (offer.expires_at, offer.id))

    def swept(self, at: datetime, ended: int, ledger: Connection) -> list[str]:
        """The ledger's sweep at ``at`` answered that it ended ``ended`` offers: check where each
        one's lines went (read from the ledger) and apply; answers the offers it ended."""
        due = self.due(at)
        if ended != len(due):
            raise OfferMismatch(
                f"the offer sweep at {at.isoformat()} ended {ended} offers; the model expects "
                f"{len(due)}: {[offer.id for offer in due]}"
            )
        for offer in due:
            offer.state = "expired"
            self._route_again(offer, ledger)
            self.figures["offers expired"] += 1
        self.figures["offer sweeps"] += 1
        return [offer.id for offer in due]

    def asked(self, order: ModelOrder, numbers: set[int]) -> frozenset[str]:
        """Every location offered one of these lines (any round) or that rejected one."""
        asked = {
            loc
            for offer in self.offers.values()
            if offer.order_id == order.id and numbers & {n for n, _, _ in offer.lines}
            for loc in offer.locations
        }
        asked |= {
            job.location
            for job in self.stock.jobs.values()
            if job.order_id == order.id
            for line in job.lines.values()
            if line.state == "rejected" and line.order_line_no in numbers
        }
        return frozenset(asked)

    def _route_again(self, offer: ModelOffer, ledger: Connection) -> None:
        order = self.stock.orders[offer.order_id]
        numbers = [n for n, _, _ in offer.lines]
        excluded = self.asked(order, set(numbers))
        attempt = f"after-offer-{offer.id}"
        placement = Placement(
            _jobs_made(ledger, order.id, self.stock.locations, attempt),
            _offers_made(ledger, order.id, numbers, attempt),
        )
        placed = [n for _, lines in placement.jobs for n, _, _ in lines]
        placed += [int(n) for raw in placement.offers for n in raw["lines"]]
        unserved = [line for line in offer.lines if line[0] not in placed]
        what = f"offer {offer.id} expired"
        if sorted(placed) != sorted(set(placed)) or not set(placed) <= set(numbers):
            raise OfferMismatch(f"{what}: its lines {numbers} went to {placed}")
        for n, sku, qty in unserved:
            ended = _line_end(ledger, order.id, n)
            if ended != ("unfulfillable", NOT_CLAIMED_IN_TIME):
                raise OfferMismatch(f"{what}: its line {n} went nowhere: {ended} at the ledger")
            able = self.able([(n, sku, qty)], set(excluded))
            if able:
                raise OfferMismatch(f"{what}: line {n} ended unfulfillable; {able} could serve it")
        whole = self.able(offer.lines, set(excluded))
        if whole and len(placement.jobs) + len(placement.offers) != 1:
            raise OfferMismatch(f"{what}: {whole} could serve it whole, the ledger split it")
        here = order.collect_at
        if here in whole and [loc for loc, _ in placement.jobs] != [here]:
            raise OfferMismatch(f"{what}: the collection store {here} holds it; not sent there")
        self.check_placement(order, placement, excluded, what)
        for location, lines in placement.jobs:
            self.stock.open_job(order, location, attempt, lines, None)
            for n, _, _ in lines:
                order.lines[n][2] = "routed"
        self.made(order, placement.offers, attempt, offer.round + 1)
        for n, _, _ in unserved:
            order.lines[n][2] = "unfulfillable"
            self.unclaimed[(order.id, n)] = offer.id
            self.figures["lines to follow-up (not claimed in time)"] += 1
        self.stock.close_order_if_done(order)


def _line_end(ledger: Connection, order_id: str, line_no: int) -> tuple[str, str | None]:
    row = ledger.execute(
        text("SELECT state, cancel_reason FROM order_lines WHERE order_id = :o AND line_no = :n"),
        {"o": order_id, "n": line_no},
    ).one()
    return str(row[0]), None if row[1] is None else str(row[1])


def _jobs_made(
    ledger: Connection, order_id: str, locations: list[str], attempt: str
) -> list[tuple[str, Lines]]:
    from tests.simulation.oracle import job_id_for

    jobs = []
    for location in locations:
        rows = ledger.execute(
            text(
                "SELECT order_line_no, sku, qty FROM job_lines WHERE job_id = :id ORDER BY line_no"
            ),
            {"id": job_id_for(order_id, location, attempt)},
        ).all()
        if rows:
            jobs.append((location, [(int(n), str(sku), int(qty)) for n, sku, qty in rows]))
    return jobs


def _offers_made(
    ledger: Connection, order_id: str, numbers: list[int], attempt: str
) -> list[dict[str, Any]]:
    """The offers the sweep made of some of these lines, as a decision explains them."""
    made = []
    for size in range(1, len(numbers) + 1):
        for subset in combinations(numbers, size):
            offer_id = offer_id_for(order_id, attempt, list(subset))
            row = ledger.execute(
                text("SELECT lines, round, expires_at FROM offers WHERE id = :id"),
                {"id": offer_id},
            ).first()
            if row is None:
                continue
            locations = [
                str(loc)
                for (loc,) in ledger.execute(
                    text("SELECT location FROM offer_locations WHERE offer_id = :id ORDER BY rank"),
                    {"id": offer_id},
                )
            ]
            made.append(
                {
                    "offer_id": offer_id,
                    "round": int(row[1]),
                    "lines": list(subset),
                    "locations": locations,
                    "expires_at": moment(row[2]).isoformat(),
                }
            )
    return made
