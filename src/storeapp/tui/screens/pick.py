"""One job: its pick list confirmed unit by unit with the scanner, short picks, and its moves
(start, picked, pack, ship, ready, hand over, cancel), as ``JobView.allowed`` permits.

A scan on this screen counts a unit of this job (the app hands it over instead of opening the
item), and the first one starts picking it; a wrong item is refused with a message that says
what to do. A job another terminal is picking shows who and since when, and offers no step here
but a manager's takeover (o, confirmed first).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from ordersync.contract import CancelReason
from storeapp.context import StoreContext
from storeapp.i18n import N_, _, active
from storeapp.services.job_views import JobView
from storeapp.services.picking import ActionRecorded, PickingRefused, PickingService
from storeapp.tui.format import sync_hint
from storeapp.tui.messages import (
    JobActionDone,
    JobLoaded,
    JobScanned,
    Notice,
    PickFailed,
    SyncReported,
)
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ChoiceScreen, ConfirmScreen
from storeapp.tui.screens.pack import PackScreen, Parcels
from storeapp.tui.screens.ship import ShipScreen, write_labels
from storeapp.tui.screens.short_pick import ShortPick, ShortPickScreen
from storeapp.tui.widgets.pick_list import PickListTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number
from storeapp.wording.jobs import (
    cancel_choices,
    delivery_text,
    held_elsewhere,
    holder_text,
    job_gone,
    job_state_label,
    kind_name,
    late_mark,
    parcel_on_its_way,
    parcels_text,
    pick_refusal,
    short_pick_recorded,
    state_name,
    step_recorded,
    tracking_text,
)

# The job state each action leads to: its key shows only when the job may move there.
TARGETS = {
    "start": "picking",
    "picked": "picked",
    "pack": "packed",
    "ship": "shipped",
    "ready": "ready",
    "hand_over": "collected",
    "cancel": "cancelled",
}
SHORT_PICK_STATES = frozenset({"assigned", "picking"})

Action = Callable[[PickingService], ActionRecorded]


class PickScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "start", N_("Start picking")),
        Binding("p", "picked", N_("Picked")),
        Binding("k", "pack", N_("Pack")),
        Binding("t", "ship", N_("Ship")),
        Binding("y", "ready", N_("Ready")),
        Binding("h", "hand_over", N_("Hand over")),
        Binding("x", "short_pick", N_("Short pick")),
        Binding("u", "unscan", N_("Unscan one"), show=False),
        Binding("c", "cancel_job", N_("Cancel job"), show=False),
        Binding("o", "take_over", N_("Take over")),
    ]

    def __init__(self, context: StoreContext, job_id: str) -> None:
        super().__init__(context)
        self.job_id = job_id
        self.job: JobView | None = None
        self.may_take_over = False
        """A manager stands at this terminal, as far as it knows (the ledger checks again)."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="pick-body"):
            yield Static(_("Loading…"), id="pick-header", markup=False)
            yield Static("", id="pick-message", markup=False)
            yield PickListTable(id="pick-list")
            yield Static("", id="pick-next", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a line (to short pick it, or take a unit back)")),
            ("u", _("take back one scanned unit of the line")),
            ("c", _("cancel the job: the units go back to the shelf")),
        ]

    def scan_help(self) -> str:
        if self.job is not None and self.job.on_its_way:
            return _("record the parcel's arrival (a unit of it, or its tracking number)")
        return _("confirm one unit of the pick list")

    def on_mount(self) -> None:
        self.query_one(PickListTable).focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.reload()

    # -- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        self._read_job(self.job_id)

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def _read_job(self, job_id: str) -> None:
        try:
            job = self.context.picking.job(job_id)
        except Exception as error:
            self.post_message(Notice(_("Could not read the job: {reason}", reason=error), "error"))
            return
        self.post_message(JobLoaded(job_id, job))

    @on(JobLoaded)
    def _loaded(self, message: JobLoaded) -> None:
        if message.job is None:
            self.notify(job_gone(), severity="error", markup=False)
            self.dismiss(None)
            return
        self.show_job(message.job)

    def show_job(self, job: JobView) -> None:
        self.job = job
        translator = active()
        title = Text.assemble(
            (_("Job {job}", job=job.short_id), "bold"),
            f" · {kind_name(job.kind)} · {job.customer_name}",
        )
        state = Text.assemble(
            _("State: "),
            (job_state_label(job) if job.held_by is None else holder_text(job.held_by), "bold"),
            " · ",
            _("due {when}", when=translator.moment(job.due_at, "d MMM HH:mm")),
        )
        if job.late:
            state.append(" · ")
            state.append(late_mark(), "bold reverse")
        if job.unconfirmed:
            state.append(" · ")
            state.append(
                _("{count} action(s) not yet confirmed by the ledger", count=job.unconfirmed)
            )
        where = " ".join(
            text
            for text in (delivery_text(job), parcels_text(job), tracking_text(job))
            if text is not None
        )
        self.query_one("#pick-header", Static).update(Text("\n").join([title, state, Text(where)]))
        self.query_one(PickListTable).show(job)
        self.may_take_over = self.context.picking.may_take_over()
        self.query_one("#pick-next", Static).update(self._next_step(job))
        self.set_class(job.late, "-late")
        self.refresh_bindings()

    @staticmethod
    def _next_step(job: JobView) -> str:
        scanned = _(
            "{scanned} of {units} unit(s) scanned.",
            scanned=number(job.scanned_units),
            units=number(job.units),
        )
        if held_elsewhere(job):
            return _("Another terminal is picking this job: only a manager can take it over (o).")
        if job.state == "assigned":
            return _("Scan a unit (or press s) to start picking, then scan each unit.")
        if job.state == "picking":
            if job.fully_scanned:
                return scanned + " " + _("Every unit is scanned: press p (picked).")
            return scanned + " " + _("Scan each unit; x short picks the selected line.")
        if job.state == "picked":
            if job.on_its_way:
                return parcel_on_its_way()
            if job.kind == "collect":
                return _("Put it at the counter and press y (ready for collection).")
            return _("Pack it and press k (parcels, weight).")
        if job.state == "packed":
            return _("Hand it to the carrier and press t (tracking reference).")
        if job.state == "ready":
            return _("When the customer comes, press h (hand over).")
        return _("This job is done: {state}.", state=state_name(job.state))

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        job = self.job
        if action == "take_over":
            return job is not None and held_elsewhere(job) and self.may_take_over
        if job is not None and held_elsewhere(job):
            return action not in TARGETS and action not in ("short_pick", "unscan", "cancel_job")
        if action in TARGETS:
            return job is not None and TARGETS[action] in job.allowed
        if action == "cancel_job":
            return job is not None and "cancelled" in job.allowed
        if action == "short_pick":
            return job is not None and job.state in SHORT_PICK_STATES and bool(job.open_lines)
        if action == "unscan":
            return job is not None and job.state == "picking"
        return True

    # -- scanning ----------------------------------------------------------------------------

    def scan(self, code: str) -> None:
        """A scan the app hands over: count one unit of this job, or, for a collection on its
        way here, offer to record the parcel's arrival."""
        if self.job is not None and self.job.on_its_way:
            self._arrival_scan(self.job_id, code)
        else:
            self._scan(self.job_id, code)

    @work(thread=True, group="pick-scan", exit_on_error=False)
    def _arrival_scan(self, job_id: str, code: str) -> None:
        try:
            arrived = self.context.picking.arrival(job_id, code) is not None
        except PickingRefused as error:
            self.post_message(PickFailed(error))
            return
        self.app.call_from_thread(self._offer_arrival, arrived)

    def _offer_arrival(self, arrived: bool) -> None:
        if not arrived:
            self._say(
                "✘ " + _("This is neither a unit of this parcel nor its tracking number."),
                "-error",
            )
            self.app.bell()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.action_ready()

        self.app.push_screen(
            ConfirmScreen(
                _("The parcel has arrived?"),
                _("Record its arrival: the job is then ready for collection at the counter."),
            ),
            callback=answered,
        )

    @work(thread=True, group="pick-scan", exit_on_error=False)
    def _scan(self, job_id: str, code: str) -> None:
        # Not exclusive: every scan must be counted, even when the next one follows quickly.
        try:
            result = self.context.picking.scan(job_id, code)
        except PickingRefused as error:
            self.post_message(PickFailed(error))
            return
        except Exception as error:
            self.post_message(Notice(_("The scan failed: {reason}", reason=error), "error"))
            return
        self.post_message(JobScanned(result))

    @on(JobScanned)
    def _scanned(self, message: JobScanned) -> None:
        result = message.result
        line = result.line
        self.show_job(result.job)
        self.query_one(PickListTable).select_line(line.line_no)
        text = _(
            "✔ {sku} · {name}: {scanned} of {qty}.",
            sku=line.sku,
            name=line.name,
            scanned=number(line.scanned),
            qty=number(line.qty),
        )
        if result.started:
            text += " " + _("Picking started.")
        if result.complete:
            text += " " + _("Every unit is scanned: press p (picked).")
        self._say(text, "-ok")

    @on(PickFailed)
    def _refused(self, message: PickFailed) -> None:
        self._say("✘ " + pick_refusal(message.error, sync_hint()), "-error")
        self.app.bell()

    def _say(self, text: str, level: str = "") -> None:
        say = self.query_one("#pick-message", Static)
        say.update(text)
        say.set_classes(level)

    # -- actions -----------------------------------------------------------------------------

    def _act(self, name: str, action: Action) -> None:
        self._run_action(name, action)

    @work(thread=True, group="pick-action", exit_on_error=False)
    def _run_action(self, name: str, action: Action) -> None:
        try:
            recorded = action(self.context.picking)
        except PickingRefused as error:
            self.post_message(PickFailed(error))
            return
        except Exception as error:
            self.post_message(Notice(_("It was NOT recorded: {reason}", reason=error), "error"))
            return
        self.post_message(JobActionDone(name, recorded.job))

    @on(JobActionDone)
    def _done(self, message: JobActionDone) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        self.show_job(message.job)
        if message.action == "short_pick":
            said = short_pick_recorded()
        elif message.action == "take_over":
            said = _("Taken over: this terminal picks the job now; the other one can no longer.")
        else:
            said = step_recorded(message.job.state)
        self._say(said, "-ok")
        if message.action == "ship":
            self._write_labels(message.job.id, said)

    @work(thread=True, group="labels", exit_on_error=False)
    def _write_labels(self, job_id: str, said: str) -> None:
        where, written = write_labels(self.context, job_id)
        self.app.call_from_thread(self._say, f"{said}\n{where}", "-ok" if written else "-error")

    def action_back(self) -> None:
        self.dismiss(None)

    def action_start(self) -> None:
        job_id = self.job_id
        self._act("start", lambda picking: picking.start(job_id))

    def action_picked(self) -> None:
        job_id = self.job_id
        self._act("picked", lambda picking: picking.mark_picked(job_id))

    def action_ready(self) -> None:
        job_id = self.job_id
        self._act("ready", lambda picking: picking.mark_ready(job_id))

    def action_hand_over(self) -> None:
        job_id = self.job_id
        self._act("hand_over", lambda picking: picking.hand_over(job_id))

    def action_pack(self) -> None:
        job_id = self.job_id

        def given(parcels: Parcels | None) -> None:
            if parcels is not None:
                self._act(
                    "pack",
                    lambda picking: picking.pack(job_id, parcels.parcels, parcels.weight_grams),
                )

        self.app.push_screen(PackScreen(), callback=given)

    def action_ship(self) -> None:
        job_id = self.job_id

        def given(tracking: str | None) -> None:
            if tracking:
                self._act("ship", lambda picking: picking.ship(job_id, tracking))

        self.app.push_screen(ShipScreen(), callback=given)

    def action_short_pick(self) -> None:
        line = self.query_one(PickListTable).highlighted()
        if line is None or not line.is_open:
            self._say(_("Choose an open line to short pick (↑ ↓)."), "-error")
            return
        job_id, line_no = self.job_id, line.line_no

        def given(short: ShortPick | None) -> None:
            if short is not None:
                self._act(
                    "short_pick",
                    lambda picking: picking.short_pick(job_id, line_no, short.reason, short.note),
                )

        self.app.push_screen(ShortPickScreen(line), callback=given)

    def action_unscan(self) -> None:
        line = self.query_one(PickListTable).highlighted()
        if line is not None:
            self._unscan(self.job_id, line.line_no)

    @work(thread=True, group="pick-action", exit_on_error=False)
    def _unscan(self, job_id: str, line_no: int) -> None:
        try:
            self.context.picking.unscan(job_id, line_no)
            job = self.context.picking.job(job_id)
        except PickingRefused as error:
            self.post_message(PickFailed(error))
            return
        self.post_message(JobLoaded(job_id, job))

    def action_take_over(self) -> None:
        job = self.job
        if job is None or job.held_by is None:
            return
        job_id = job.id

        def answered(yes: bool | None) -> None:
            if yes:
                self._act("take_over", lambda picking: picking.take_over(job_id))

        self.app.push_screen(
            ConfirmScreen(
                _("Take over this job?"),
                _(
                    "Now {holder}. This terminal picks it from now on; the other one's next "
                    "steps will be refused.",
                    holder=holder_text(job.held_by),
                ),
            ),
            callback=answered,
        )

    def action_cancel_job(self) -> None:
        job_id = self.job_id

        def answered(code: str | None) -> None:
            if code is not None:
                reason = CancelReason(code)
                self._act("cancel", lambda picking: picking.cancel(job_id, reason))

        self.app.push_screen(
            ChoiceScreen(
                _("Cancel this job? Why?"),
                cancel_choices(),
                _("The units go back to the shelf; the ledger hears of it with the next sync."),
            ),
            callback=answered,
        )
