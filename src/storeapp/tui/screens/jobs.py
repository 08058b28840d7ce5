"""The store's jobs to pick, oldest due first: late ones stand out, counts by state on top.
Above them, when there are any, the offers open to this store (lines offered to several stores
at once), each counting down; ``c`` claims the highlighted one.

Jobs and offers arrive through the change feed: the lists are read again after every sync that
brought changes, and on a timer (a job becomes late with the passing of time, even offline). The
countdowns follow the app's clock every second; an offer that ends (claimed by another store,
run out, or won here) leaves the list with a short notice.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.job_views import JobQueue
from storeapp.services.offers import OfferRefused, OfferStanding, OfferView
from storeapp.services.status import StoreStatus
from storeapp.tui.format import sync_hint
from storeapp.tui.messages import JobsLoaded, Notice, OfferClaimed, OffersLoaded, SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.jobs_table import JobsTable
from storeapp.tui.widgets.offer_list import OfferList
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number
from storeapp.wording.jobs import held_elsewhere, holder_text, state_count
from storeapp.wording.offers import (
    claim_recorded,
    claim_refused_text,
    delivery_name,
    ended_notice,
    lines_text,
    offer_refusal,
    rank_text,
    standing_text,
)

REFRESH_SECONDS = 30.0
"""How often the queue is read again between syncs (late flags follow the clock)."""
COUNTDOWN_SECONDS = 1.0
"""How often the offers' countdowns are redrawn."""

STATE_ORDER = ("assigned", "picking", "picked", "packed", "ready")


class JobsScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("c", "claim_offer", N_("Claim offer")),
        Binding("r", "reload", N_("Refresh"), show=False),
    ]

    def __init__(self, context: StoreContext) -> None:
        super().__init__(context)
        self._shown_offers: dict[str, OfferView] = {}
        """The offers listed now, to tell which ended since (and to notice it)."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="jobs-body"):
            with Vertical(id="offers-box"):
                yield Static(
                    _("Offers: the first store to claim one serves it"),
                    id="offers-caption",
                    classes="caption",
                    markup=False,
                )
                yield OfferList(id="offers")
                yield Static("", id="offers-hint", markup=False)
            yield Static(_("Jobs to pick"), id="jobs-caption", classes="caption", markup=False)
            yield Static("", id="jobs-counts", markup=False)
            yield JobsTable(id="jobs")
            yield Static("", id="jobs-hint", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a job")),
            (_("Enter"), _("open the job's pick list")),
            (_("Tab"), _("go between the offers and the jobs")),
            ("c", _("claim the highlighted offer: the first store to claim it serves it")),
        ]

    def on_mount(self) -> None:
        self.query_one(JobsTable).focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.set_interval(COUNTDOWN_SECONDS, self.count_down)
        self.query_one("#offers-box").display = False
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from a job: its state has moved.
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        self._read_queue()

    @work(thread=True, exclusive=True, group="jobs", exit_on_error=False)
    def _read_queue(self) -> None:
        try:
            queue = self.context.picking.queue()
            offers = self.context.offers.offers(include_ended=True)
        except Exception as error:
            self.post_message(Notice(_("Could not read the jobs: {reason}", reason=error), "error"))
            return
        self.post_message(OffersLoaded(offers))
        self.post_message(JobsLoaded(queue))

    @on(OffersLoaded)
    def _offers_loaded(self, message: OffersLoaded) -> None:
        """Show the offers still open (or claimed here, waiting for the answer); those that
        ended since they were last shown leave the list with a short notice."""
        listed = [offer for offer in message.offers if not offer.ended]
        for offer in message.offers:
            if offer.ended and offer.id in self._shown_offers:
                won = offer.standing is OfferStanding.WON
                self.notify(
                    ended_notice(offer), severity="information" if won else "warning", markup=False
                )
        self._shown_offers = {offer.id: offer for offer in listed}
        self.query_one(OfferList).show(listed)
        self.query_one("#offers-box").display = bool(listed)
        self._offer_hint()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The claim key shows in the footer only while there are offers to claim.
        if action == "claim_offer":
            return bool(self._shown_offers)
        return True

    @on(DataTable.RowHighlighted, "#offers")
    def _offer_hint(self) -> None:
        """The highlighted offer's lines with their names, the customer and the store's rank."""
        offer = self.query_one(OfferList).highlighted()
        if offer is None:
            self.query_one("#offers-hint", Static).update("")
            return
        facts = [
            lines_text(offer, names=True),
            offer.customer_name,
            delivery_name(offer),
            rank_text(offer),
        ]
        if not offer.claimable:
            facts.insert(0, standing_text(offer))
        refused = claim_refused_text(offer)
        if refused is not None:
            facts.append(refused)
        self.query_one("#offers-hint", Static).update(" · ".join(facts))

    def count_down(self) -> None:
        """Redraw the countdowns by the terminal's clock (every second)."""
        if self._shown_offers and self.query_one(OfferList).tick(self.context.now()):
            self.reload()  # an offer ran out: it leaves the list, with its notice

    def action_claim_offer(self) -> None:
        offer = self.query_one(OfferList).highlighted()
        if offer is not None:
            self._claim(offer.id)

    @work(thread=True, group="offer-claim", exit_on_error=False)
    def _claim(self, offer_id: str) -> None:
        try:
            claimed = self.context.offers.claim(offer_id)
        except OfferRefused as error:
            self.post_message(Notice(offer_refusal(error, sync_hint()), "warning"))
            return
        except Exception as error:
            self.post_message(Notice(_("It was NOT recorded: {reason}", reason=error), "error"))
            return
        self.post_message(OfferClaimed(claimed.offer))

    @on(OfferClaimed)
    def _claimed(self, message: OfferClaimed) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        status: StoreStatus | None = getattr(self.app, "store_status", None)
        online = status is None or bool(status.online)
        self.notify(claim_recorded(message.offer, online), markup=False)
        self.reload()

    @on(JobsLoaded)
    def _loaded(self, message: JobsLoaded) -> None:
        queue = message.queue
        self.query_one(JobsTable).show(queue.jobs, self.context.now())
        self.query_one("#jobs-counts", Static).update(self.counts_text(queue))
        self.query_one("#jobs-counts", Static).set_class(queue.late > 0, "-late")
        self._hint()

    @on(DataTable.RowHighlighted, "#jobs")
    def _hint(self) -> None:
        """Who is picking the job under the cursor, when another terminal is; else what to do."""
        table = self.query_one(JobsTable)
        job = table.highlighted()
        if job is not None and job.held_by is not None and held_elsewhere(job):
            hint = holder_text(job.held_by)
        elif table.jobs:
            hint = _("Enter opens the job's pick list · F4 shows this list from any screen.")
        else:
            hint = _("No job waiting at this store. New ones arrive with the sync, on their own.")
        self.query_one("#jobs-hint", Static).update(hint)

    @staticmethod
    def counts_text(queue: JobQueue) -> str:
        if not queue.jobs:
            return _("Nothing to do.")
        states = sorted(
            queue.counts,
            key=lambda s: (STATE_ORDER.index(s) if s in STATE_ORDER else len(STATE_ORDER), s),
        )
        parts = [state_count(state, queue.counts[state]) for state in states]
        if queue.late:
            parts.append(_("LATE: {count}", count=number(queue.late)))
        return " · ".join(parts)

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    @on(DataTable.RowSelected, "#jobs")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.push_screen(PickScreen(self.context, event.row_key.value))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()
