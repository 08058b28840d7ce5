"""The ``storeapp`` command: the store terminal UI by default; setup, lookup, sync, status, sell,
the job queue (jobs, job), order in store (order, routing) and the demo from a shell. The
manager's commands (day, count, insights) live in ``storeapp.cli_manager``.

Exit codes: 0 done; 1 failed (not found, bad input, unexpected error); 2 usage error; 3 the ledger
cannot be reached (offline); 4 another process syncs this cache; 5 the ledger refused (token,
permission); 6 this terminal is not set up; 130 interrupted.

Every text goes through ``storeapp.i18n`` (French catalog: ``locale/fr/LC_MESSAGES/cli.po``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn
from zoneinfo import ZoneInfoNotFoundError

import httpx
from babel import Locale, UnknownLocaleError
from filelock import FileLock, Timeout
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ordersync.contract import Whoami
from storeapp import i18n
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import reset_view
from storeapp.cache.state import LEDGER_ID, LOCATION, read_state
from storeapp.config import StoreSettings, config_file_path, save_settings
from storeapp.context import NotSetUp, StoreContext, open_store, remember_location, utc_now
from storeapp.i18n import Translator, _
from storeapp.services.catalog import CatalogItem
from storeapp.services.lookup import Availability, Found, ItemView, LookupResult
from storeapp.services.orders import (
    MAX_ORDER_QTY,
    Alternatives,
    Explanation,
    OrderInputError,
    OrderOutcome,
    OrderRefusal,
    OrderStatus,
    collect_at,
    customer,
    home_delivery,
    order_id_of,
)
from storeapp.services.picking import PickingRefused, PickRefusal
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnauthorized, LedgerUnavailable
from storeapp.sync.engine import SyncLockBusy, SyncReport

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_OFFLINE = 3
EXIT_BUSY = 4
EXIT_REFUSED = 5
EXIT_NOT_SET_UP = 6
EXIT_INTERRUPTED = 130

Now = Callable[[], datetime]


class CliError(Exception):
    """A failure to tell the user in one sentence, with the exit code it maps to."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- The session of one command ------------------------------------------------------------------


@dataclass
class Cli:
    """What every command needs: output, the settings, and how to reach the ledger."""

    out: Console
    err: Console
    translator: Translator
    settings: StoreSettings | None
    settings_error: CliError | None
    transport: httpx.BaseTransport | None
    now: Now

    def say(self, message: str, style: str | None = None) -> None:
        self.out.print(Text(message, style=style or ""), soft_wrap=True)

    def warn(self, message: str) -> None:
        self.err.print(Text.assemble((_("warning: "), "bold yellow"), message), soft_wrap=True)

    def use_translator(self, translator: Translator) -> None:
        self.translator = translator
        i18n.use(translator)

    def require_settings(self) -> StoreSettings:
        if self.settings is None:
            assert self.settings_error is not None
            raise self.settings_error
        return self.settings

    @contextmanager
    def store(self) -> Iterator[StoreContext]:
        """The store's services, closed afterwards; a clear error when setup has not been run."""
        settings = self.require_settings()
        if not settings.token:
            raise CliError(
                _(
                    "this terminal has no ledger token yet: run "
                    "`storeapp setup --ledger URL --token TOKEN`"
                ),
                EXIT_NOT_SET_UP,
            )
        try:
            context = open_store(settings, now=self.now, transport=self.transport)
        except NotSetUp as error:
            raise CliError(
                _(
                    "this terminal does not know its store yet: run "
                    "`storeapp setup --ledger URL --token TOKEN`"
                ),
                EXIT_NOT_SET_UP,
            ) from error
        try:
            yield context
        finally:
            context.close()


def load_settings() -> StoreSettings:
    """The settings from ``STOREAPP_*`` variables and the settings file, or a readable error."""
    path = config_file_path()
    try:
        return StoreSettings()
    except tomllib.TOMLDecodeError as error:
        raise CliError(
            _("the settings file {path} is not valid TOML: {error}", path=path, error=error)
        ) from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise CliError(
            _(
                "invalid settings (file {path} or STOREAPP_* variables): {problems}",
                path=path,
                problems=problems,
            )
        ) from error
    except OSError as error:
        raise CliError(
            _("cannot read the settings file {path}: {error}", path=path, error=error)
        ) from error


def translator_for(settings: StoreSettings | None) -> Translator:
    if settings is None:
        return Translator()
    try:
        return Translator(settings.locale, settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Translator(settings.locale)


# --- Setup (also used by the demo) ---------------------------------------------------------------


@dataclass(frozen=True)
class SetupOutcome:
    who: Whoami
    settings: StoreSettings
    config_path: Path
    reset_reason: str | None
    """Why the cache's view was reset (another store or another ledger), or None."""
    kept_waiting: int
    """Operations waiting to be sent that the reset kept."""
    report: SyncReport
    store_name: str
    items: int
    positions: int
    units: int


@dataclass(frozen=True)
class CacheSummary:
    store_name: str
    items: int
    positions: int
    units: int


def cache_summary(engine: Engine, location: str) -> CacheSummary:
    with engine.connect() as connection:
        name = connection.execute(
            text("SELECT name FROM locations WHERE code = :code"), {"code": location}
        ).scalar()
        items = connection.execute(text("SELECT COUNT(*) FROM items")).scalar_one()
        positions, units = connection.execute(
            text("SELECT COUNT(*), COALESCE(SUM(on_hand), 0) FROM positions WHERE location = :loc"),
            {"loc": location},
        ).one()
    return CacheSummary(str(name or location), int(items), int(positions), int(units))


def check_ledger_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise CliError(
            _("{url} is not a valid ledger URL: {error}", url=url, error=error), EXIT_USAGE
        ) from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise CliError(
            _("the ledger URL must start with http:// or https:// and name a host: {url}", url=url),
            EXIT_USAGE,
        )
    return url.rstrip("/")


def check_locale(value: str) -> str:
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise CliError(
            _("unknown locale {locale} (try fr_FR or en_GB)", locale=value), EXIT_USAGE
        ) from error
    return value.replace("-", "_")


def setup_store(
    base: StoreSettings,
    ledger_url: str,
    token: str,
    *,
    locale: str | None = None,
    transport: httpx.BaseTransport | None = None,
    now: Now = utc_now,
    extra: Mapping[str, str] | None = None,
) -> SetupOutcome:
    """Ask the ledger who ``token`` is, save the settings, point the cache at that store and run
    the first sync. Raises ``LedgerUnavailable``/``LedgerRefused`` before anything is saved."""
    with LedgerClient(
        ledger_url, token, timeout=base.request_timeout_seconds, transport=transport
    ) as client:
        who = client.whoami()
    update: dict[str, Any] = {"ledger_url": ledger_url, "token": token}
    values: dict[str, str] = {"ledger_url": ledger_url, "token": token, **(extra or {})}
    if locale:
        update["locale"] = locale
        values["locale"] = locale
    settings = base.model_copy(update=update)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.sync_lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout as error:
        raise SyncLockBusy(str(settings.sync_lock_path)) from error
    try:
        config_path = save_settings(values)
        engine = open_cache_engine(settings.cache_path)
        try:
            with engine.connect() as connection:
                known_location = read_state(connection, LOCATION)
                known_ledger = read_state(connection, LEDGER_ID)
                waiting, _attention = outbox.counts(connection)
            reason: str | None = None
            if known_location is not None and known_location != who.location:
                reason = _(
                    "this cache held the view of store {old}; it was reset for store {new}",
                    old=known_location,
                    new=who.location,
                )
            elif known_ledger is not None and known_ledger != who.ledger_id:
                reason = _("this cache came from another ledger; its view was reset")
            if reason is not None:
                reset_view(engine)
            remember_location(engine, who.location)
        finally:
            engine.dispose()
        context = open_store(settings, now=now, transport=transport)
        try:
            report = context.sync.sync_once()
            summary = cache_summary(context.engine, who.location)
        finally:
            context.close()
    finally:
        lock.release()
    return SetupOutcome(
        who=who,
        settings=settings,
        config_path=config_path,
        reset_reason=reason,
        kept_waiting=waiting if reason is not None else 0,
        report=report,
        store_name=summary.store_name,
        items=summary.items,
        positions=summary.positions,
        units=summary.units,
    )


def cmd_setup(cli: Cli, args: argparse.Namespace) -> int:
    base = cli.require_settings()
    url = check_ledger_url(args.ledger)
    token = args.token.strip()
    if not token:
        raise CliError(_("the token is empty"), EXIT_USAGE)
    locale = check_locale(args.locale) if args.locale else None
    try:
        outcome = setup_store(base, url, token, locale=locale, transport=cli.transport, now=cli.now)
    except LedgerUnauthorized as error:
        raise CliError(
            _(
                "the ledger at {url} refused this token ({detail}); nothing was saved",
                url=url,
                detail=error,
            ),
            EXIT_REFUSED,
        ) from error
    except LedgerRefused as error:
        raise CliError(
            _("the ledger at {url} refused: {detail}; nothing was saved", url=url, detail=error),
            EXIT_REFUSED,
        ) from error
    except LedgerUnavailable as error:
        raise CliError(
            _(
                "cannot reach the ledger at {url}: {reason}; nothing was saved",
                url=url,
                reason=error,
            ),
            EXIT_OFFLINE,
        ) from error
    if locale:
        cli.use_translator(translator_for(outcome.settings))
    print_setup(cli, outcome)
    if not outcome.report.online:
        cli.err.print(
            Text(
                _(
                    "the first sync did not finish: {error}. The settings are saved; run "
                    "`storeapp sync --once` when the ledger can be reached.",
                    error=outcome.report.error,
                ),
                style="bold red",
            ),
            soft_wrap=True,
        )
        return EXIT_OFFLINE
    return EXIT_OK


def print_setup(cli: Cli, outcome: SetupOutcome) -> None:
    who = outcome.who
    cli.say(
        _(
            "This terminal is {device} ({role}) of store {location}, on the ledger {ledger_id}.",
            device=who.device,
            role=who.role.value,
            location=who.location,
            ledger_id=who.ledger_id,
        )
    )
    cli.say(_("Settings saved in {path}", path=outcome.config_path))
    if outcome.reset_reason is not None:
        cli.warn(outcome.reset_reason)
        if outcome.kept_waiting:
            cli.warn(
                _(
                    "{count} operation(s) waiting to be sent were kept; they go to the ledger "
                    "at the next sync",
                    count=outcome.kept_waiting,
                )
            )
    report = outcome.report
    if report.online:
        cli.say(
            _(
                "Store {location} ({name}) — catalog: {items} items · positions: {positions} · "
                "units on hand: {units} · changes pulled: {pulled}",
                location=who.location,
                name=outcome.store_name,
                items=outcome.items,
                positions=outcome.positions,
                units=outcome.units,
                pulled=report.pulled,
            ),
            style="bold green",
        )
    for summary in report.refusals:
        cli.warn(_("refused by the ledger: {summary}", summary=summary))


# --- Lookup --------------------------------------------------------------------------------------


def _not_found_error(result: LookupResult) -> CliError:
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


def cmd_lookup(cli: Cli, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    with cli.store() as context:
        result = context.lookup.find(query)
        if result.found is Found.MATCHES:
            if result.query.casefold() == result.matches[0].reference.casefold():
                print_reference(cli, context, result.matches)
            else:
                print_matches(cli, result)
            return EXIT_OK
        if result.found is not Found.ITEM or result.item is None:
            raise _not_found_error(result)
        view = context.lookup.item_view(result.item.sku, live=not args.offline)
        if view is None:
            raise CliError(_("nothing in the catalog matches {query}", query=query))
        print_item(cli, view, asked_live=not args.offline)
    return EXIT_OK


def print_matches(cli: Cli, result: LookupResult) -> None:
    t = cli.translator
    table = Table(
        title=_("{count} items match {query}", count=len(result.matches), query=result.query),
        title_justify="left",
    )
    table.add_column(_("SKU"))
    table.add_column(_("Name"))
    table.add_column(_("Size"))
    table.add_column(_("Colour"))
    table.add_column(_("Price"), justify="right")
    for item in result.matches:
        table.add_row(
            item.sku, item.name, item.size, item.colour, t.money(item.price_minor, item.currency)
        )
    cli.out.print(table)
    cli.say(_("Look one up by its SKU or barcode: storeapp lookup SKU"), style="dim")


def print_reference(cli: Cli, context: StoreContext, variants: Sequence[CatalogItem]) -> None:
    """A whole reference: its size grid in each colour, from the cache."""
    first = variants[0]
    cli.say(f"{first.name} — {first.reference}", style="bold")
    cli.say(
        _(
            "{count} variants · {price}",
            count=len(variants),
            price=cli.translator.money(first.price_minor, first.currency),
        )
    )
    colours: list[str] = []
    for variant in variants:
        if variant.colour not in colours:
            colours.append(variant.colour)
    for colour in colours:
        sku = next(v.sku for v in variants if v.colour == colour)
        view = context.lookup.item_view(sku, live=False)
        if view is not None:
            cli.out.print(_grid_table(cli, view, highlight=False))
    cli.say(_("Look one up by its SKU or barcode: storeapp lookup SKU"), style="dim")


def _item_header(cli: Cli, view: ItemView) -> None:
    item: CatalogItem = view.item
    t = cli.translator
    cli.say(f"{item.name} — {item.sku}", style="bold")
    cli.say(
        _(
            "Reference {reference} · size {size} · colour {colour} · {price}",
            reference=item.reference,
            size=item.size,
            colour=item.colour,
            price=t.money(item.price_minor, item.currency),
        )
    )
    if len(view.colours) > 1:
        cli.say(_("Colours: {colours}", colours=", ".join(view.colours)))
    own = view.own
    line = _(
        "Here: {available} available, {on_hand} on hand, {reserved} reserved",
        available=own.available,
        on_hand=own.on_hand,
        reserved=own.reserved,
    )
    cli.say(line, style="bold green" if own.available > 0 else "bold red")
    if own.pending_delta:
        cli.say(
            _(
                "({count} unit(s) sold here not yet sent to the ledger are counted)",
                count=-own.pending_delta,
            ),
            style="dim",
        )
    if own.suspect:
        cli.say(
            _("The stock record of this item here is suspect: a count is needed."),
            style="yellow",
        )


def _grid_table(cli: Cli, view: ItemView, *, highlight: bool = True) -> Table:
    grid = view.grid
    two_axes = grid.rows != [""]
    table = Table(
        title=_("Sizes in {colour} (here · network)", colour=grid.colour), title_justify="left"
    )
    table.add_column(_("Band") if two_axes else "", style="bold")
    for column in grid.columns:
        table.add_column(column, justify="center")
    for row in grid.rows:
        cells: list[Text] = []
        for column in grid.columns:
            cell = grid.cell(row, column)
            if cell is None:
                cells.append(Text("·", style="dim"))
                continue
            style = "reverse" if highlight and cell.sku == view.item.sku else ""
            if cell.store_available <= 0:
                style += " dim"
            cells.append(Text(f"{cell.store_available} · {cell.network_available}", style=style))
        table.add_row(Text(row if two_axes else _("Size")), *cells)
    return table


def freshness(cli: Cli, availability: Availability) -> str:
    if availability.live:
        return _("live")
    if availability.fetched_at is None:
        return _("from cache, never fetched live")
    age = max(cli.now() - availability.fetched_at, timedelta(0))
    return _("from cache, {minutes} min old", minutes=int(age.total_seconds() // 60))


def _availability_table(cli: Cli, availability: Availability) -> Table:
    t = cli.translator
    table = Table(
        title=_(
            "Availability of {sku}: {freshness}",
            sku=availability.sku,
            freshness=freshness(cli, availability),
        ),
        title_justify="left",
    )
    table.add_column(_("Location"))
    table.add_column(_("Name"))
    table.add_column(_("Distance"), justify="right")
    table.add_column(_("Available"), justify="right")
    table.add_column(_("On hand"), justify="right")
    table.add_column(_("Reserved"), justify="right")
    for place in availability.locations:
        distance = (
            "—"
            if place.distance_km is None
            else _("{km} km", km=t.number(round(place.distance_km)))
        )
        name = _("{name} (here)", name=place.name) if place.is_here else place.name
        style = "bold" if place.is_here else ("dim" if place.available <= 0 else "")
        table.add_row(
            place.code,
            name,
            distance,
            str(place.available),
            str(place.on_hand),
            str(place.reserved),
            style=style,
        )
    table.caption = _("Network available: {count}", count=availability.network_available)
    table.caption_justify = "left"
    return table


def print_item(cli: Cli, view: ItemView, *, asked_live: bool) -> None:
    _item_header(cli, view)
    cli.out.print(_grid_table(cli, view))
    if view.own.available <= 0 and view.suggestions:
        table = Table(title=_("In stock here instead"), title_justify="left")
        table.add_column(_("SKU"))
        table.add_column(_("Size"))
        table.add_column(_("Colour"))
        table.add_column(_("Here"), justify="right")
        table.add_column(_("Network"), justify="right")
        for suggestion in view.suggestions:
            table.add_row(
                suggestion.sku,
                suggestion.size,
                suggestion.colour,
                str(suggestion.store_available),
                str(suggestion.network_available),
            )
        cli.out.print(table)
    cli.out.print(_availability_table(cli, view.availability))
    if asked_live and not view.availability.live:
        cli.say(
            _("The ledger could not be reached in time: the other locations come from the cache."),
            style="yellow",
        )


# --- Counter sale --------------------------------------------------------------------------------


def cmd_sell(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        result = context.lookup.find(args.sku)
        if result.found is Found.MATCHES:
            raise CliError(
                _(
                    "{query} matches several items: give one SKU or scan its barcode",
                    query=result.query,
                )
            )
        if result.found is not Found.ITEM or result.item is None:
            raise _not_found_error(result)
        item = result.item
        exact = item.sku.casefold() == result.query.casefold() or result.query.isdigit()
        if not exact:
            raise CliError(
                _(
                    "{query} is not a SKU or a barcode (did you mean {sku}?)",
                    query=result.query,
                    sku=item.sku,
                )
            )
        sale = context.sales.record(item.sku, args.qty)
        status = context.status.status()
        view = context.lookup.item_view(item.sku, live=False)
    cli.say(
        _("Sale recorded: {qty} x {sku} ({name}).", qty=sale.qty, sku=sale.sku, name=item.name),
        style="bold green",
    )
    if view is not None:
        cli.say(_("On hand here now: {count}", count=view.own.on_hand))
    cli.say(_("Waiting to be sent to the ledger: {count}", count=status.waiting))
    return EXIT_OK


# --- Jobs (pick & pack) --------------------------------------------------------------------------


def state_name(state: str) -> str:
    names = {
        "assigned": _("assigned"),
        "picking": _("picking"),
        "picked": _("picked"),
        "packed": _("packed"),
        "shipped": _("shipped"),
        "ready": _("ready for collection"),
        "collected": _("collected"),
        "cancelled": _("cancelled"),
        "rejected": _("rejected"),
        "open": _("to pick"),
    }
    return names.get(state, state)


def _job_kind(kind: str) -> str:
    return _("collect here") if kind == "collect" else _("ship")


def _pick_refusal(error: PickingRefused) -> CliError:
    job = error.facts.get("job_id", "")
    if error.code is PickRefusal.AMBIGUOUS_JOB:
        return CliError(_("several jobs start with {job}: give more of its id", job=job))
    return CliError(
        _("no job {job} at this store (if it is new, run `storeapp sync --once`)", job=job)
    )


def cmd_jobs(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        queue = context.picking.queue(include_done=args.all)
        status = context.status.status()
    if not queue.jobs:
        cli.say(_("No job waiting at {location}.", location=status.location))
    else:
        table = Table(
            title=_(
                "Jobs of {location} ({count}), oldest due first",
                location=status.location,
                count=len(queue.jobs),
            ),
            title_justify="left",
        )
        table.add_column(_("Job"))
        table.add_column(_("Kind"))
        table.add_column(_("State"))
        table.add_column(_("Due"))
        table.add_column(_("Customer"))
        table.add_column(_("Lines"))
        table.add_column(_("Scanned"), justify="right")
        for job in queue.jobs:
            state = Text(state_name(job.state) + (" *" if job.unconfirmed else ""))
            due = Text(t.moment(job.due_at))
            if job.late:
                state.append(" · " + _("LATE"), style="bold red")
                due.stylize("bold red")
            table.add_row(
                job.short_id,
                _job_kind(job.kind),
                state,
                due,
                job.customer_name,
                ", ".join(f"{line.qty} x {line.sku}" for line in job.open_lines) or "—",
                f"{job.scanned_units}/{job.units}",
            )
        cli.out.print(table)
        cli.say(
            " · ".join(
                _("{state}: {count}", state=state_name(state), count=count)
                for state, count in sorted(queue.counts.items())
            )
            + " · "
            + _("late: {count}", count=queue.late)
        )
        if queue.unconfirmed:
            cli.say(_("* changed here, not yet confirmed by the ledger"), style="dim")
    if status.view_age is None:
        cli.say(_("Jobs as of the last sync: never synced"), style="yellow")
    else:
        cli.say(
            _("Jobs as of the last sync: {age}", age=age_text(cli, status.view_age)), style="dim"
        )
    return EXIT_OK


def cmd_job(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        try:
            job_id = context.picking.resolve(args.job)
        except PickingRefused as error:
            raise _pick_refusal(error) from error
        job = context.picking.job(job_id)
    assert job is not None
    cli.say(
        _(
            "Job {job} ({kind}) for {customer}",
            job=job.id,
            kind=_job_kind(job.kind),
            customer=job.customer_name,
        ),
        style="bold",
    )
    cli.say(_("Order {order}", order=job.order_id))
    state = _("State: {state}", state=state_name(job.state))
    cli.say(state, style="bold red" if job.late else "bold")
    if job.unconfirmed:
        cli.say(
            _(
                "(the ledger last said {state}; {count} action(s) made here not yet confirmed)",
                state=state_name(job.ledger_state),
                count=job.unconfirmed,
            ),
            style="dim",
        )
    due = _("Due {when}", when=t.moment(job.due_at))
    cli.say(due + (" · " + _("LATE") if job.late else ""), style="bold red" if job.late else "")
    if job.kind == "collect":
        cli.say(_("The customer collects it at this store's counter."))
    elif job.destination:
        cli.say(_("Shipped to store {store} for collection.", store=job.destination))
    else:
        cli.say(_("Shipped to the customer's home."))
    if job.parcels is not None and job.weight_grams is not None:
        cli.say(
            _(
                "{parcels} parcel(s), {weight} g",
                parcels=job.parcels,
                weight=t.number(job.weight_grams),
            )
        )
    if job.tracking:
        cli.say(_("Tracking: {tracking}", tracking=job.tracking))
    table = Table(title=_("Pick list"), title_justify="left")
    table.add_column(_("Line"), justify="right")
    table.add_column(_("SKU"))
    table.add_column(_("Name"))
    table.add_column(_("Size"))
    table.add_column(_("Colour"))
    table.add_column(_("Qty"), justify="right")
    table.add_column(_("Scanned"), justify="right")
    table.add_column(_("State"))
    for line in job.lines:
        line_state = state_name(line.state)
        if line.reject_reason:
            line_state += f" ({_reject_reason(line.reject_reason)})"
        if line.unconfirmed:
            line_state += " *"
        table.add_row(
            str(line.line_no),
            line.sku,
            line.name,
            line.size,
            line.colour,
            str(line.qty),
            str(line.scanned),
            line_state,
            style="" if line.is_open else "dim",
        )
    cli.out.print(table)
    if job.allowed:
        cli.say(
            _(
                "Next: {states}",
                states=", ".join(state_name(s) for s in sorted(job.allowed)),
            ),
            style="dim",
        )
    return EXIT_OK


def _reject_reason(reason: str) -> str:
    names = {
        "not_found": _("not found"),
        "damaged": _("damaged"),
        "other": _("other reason"),
    }
    return names.get(reason, reason)


# --- Order in store ------------------------------------------------------------------------------


def _order_input_error(error: OrderInputError, sku: str, store: str | None) -> CliError:
    code = error.code
    if code is OrderRefusal.UNKNOWN_SKU:
        return CliError(_("nothing in the catalog matches {query}", query=sku))
    if code is OrderRefusal.UNKNOWN_STORE:
        return CliError(_("{store} is not a store customers can collect at", store=store))
    if code is OrderRefusal.NO_CONTACT:
        return CliError(
            _("give the customer's email address (--email) or phone number (--phone)"),
            EXIT_USAGE,
        )
    if code is OrderRefusal.BAD_QUANTITY:
        return CliError(_("order between 1 and {max} units", max=MAX_ORDER_QTY), EXIT_USAGE)
    if code is OrderRefusal.BAD_CUSTOMER:
        return CliError(
            _("the customer's contact is not valid: {problem}", problem=error.message), EXIT_USAGE
        )
    return CliError(_("the delivery is not valid: {problem}", problem=error.message), EXIT_USAGE)


def _distance(cli: Cli, km: float | None) -> str:
    if km is None:
        return _("unknown distance")
    return _("{km} km", km=cli.translator.number(round(km, 1)))


def describe_reason(cli: Cli, reason: Mapping[str, Any]) -> str:
    """Why a location lost a routing decision, in the store's language."""
    code = str(reason.get("code", ""))
    n = cli.translator.number
    if code == "no_stock":
        return _(
            "no stock of {sku} ({available} of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == "safety_stock":
        return _(
            "{sku} is held back by safety stock ({available} free of {requested})",
            sku=reason.get("sku"),
            available=reason.get("available"),
            requested=reason.get("requested"),
        )
    if code == "no_capacity":
        return _("no job capacity left today")
    if code == "not_fulfilling":
        return _("does not fulfil orders")
    if code == "too_far":
        return _("too far ({km} km)", km=n(float(reason.get("distance_km") or 0)))
    if code == "excluded":
        return _("already failed this order line")
    if code == "farther":
        return _(
            "farther ({km} km against {winner_km} km)",
            km=n(float(reason.get("distance_km") or 0)),
            winner_km=n(float(reason.get("winner_distance_km") or 0)),
        )
    if code == "shallower_stock":
        return _(
            "would keep fewer units ({left} against {winner_left})",
            left=reason.get("left_after"),
            winner_left=reason.get("winner_left_after"),
        )
    if code == "busier":
        return _(
            "busier today ({load} of its capacity against {winner_load})",
            load=f"{round(float(reason.get('load') or 0) * 100)} %",
            winner_load=f"{round(float(reason.get('winner_load') or 0) * 100)} %",
        )
    if code == "partial":
        return _("can serve only part of the order")
    return code


def print_explanation(cli: Cli, explanation: Explanation) -> None:
    for verdict in [*explanation.winners, *explanation.losers]:
        if verdict.won:
            cli.say(
                _(
                    "  ✔ {location} — {name}: chosen ({distance})",
                    location=verdict.location,
                    name=verdict.name,
                    distance=_distance(cli, verdict.distance_km),
                ),
                style="green",
            )
            continue
        reasons = "; ".join(describe_reason(cli, r) for r in verdict.reasons) or _("not needed")
        cli.say(
            _(
                "  ✘ {location} — {name}: {reasons}",
                location=verdict.location,
                name=verdict.name,
                reasons=reasons,
            )
        )
    for line in explanation.unserved:
        cli.say(
            _(
                "  Nobody can serve {qty} x {sku} now",
                qty=line.get("qty"),
                sku=line.get("sku"),
            ),
            style="red",
        )


def _promise(cli: Cli, outcome: OrderOutcome) -> str | None:
    if outcome.promised_by is None:
        return None
    return cli.translator.moment(outcome.promised_by, "EEEE d MMMM y")


def print_alternatives(cli: Cli, alternatives: Alternatives | None) -> None:
    if alternatives is None or alternatives.empty:
        cli.say(_("The ledger offered no alternative."))
        return
    if alternatives.other_sizes:
        cli.say(_("Other sizes and colours in stock in the network:"), style="bold")
        for size in alternatives.other_sizes:
            cli.say(
                _(
                    "  {sku} — size {size}, {colour}: {available} available "
                    "(instead of {instead_of})",
                    sku=size.sku,
                    size=size.size,
                    colour=size.colour,
                    available=size.available,
                    instead_of=size.instead_of,
                )
            )
    if alternatives.collect_at:
        cli.say(_("Stores holding it, where the customer could collect:"), style="bold")
        for point in alternatives.collect_at:
            cli.say(
                _(
                    "  {location} — {name} ({distance})",
                    location=point.location,
                    name=point.name,
                    distance=_distance(cli, point.distance_km),
                )
            )


def print_order_outcome(cli: Cli, outcome: OrderOutcome, customer_name: str) -> int:
    if outcome.status is OrderStatus.PENDING:
        cli.say(
            _(
                "The ledger cannot be reached: order {order} ({qty} x {sku} for {customer}) is "
                "kept on this terminal and will be sent when the ledger is back online.",
                order=outcome.op_id,
                qty=outcome.qty,
                sku=outcome.sku,
                customer=customer_name,
            ),
            style="bold yellow",
        )
        if outcome.reason:
            cli.say(_("Reason: {reason}", reason=outcome.reason), style="dim")
        return EXIT_OFFLINE
    if outcome.status is OrderStatus.REFUSED:
        reason = outcome.reason
        if outcome.alternatives is not None:  # the ledger's order-unfulfillable refusal
            reason = _("no location of the network can serve it")
        cli.err.print(
            Text.assemble(
                (_("error: "), "bold red"),
                _(
                    "the ledger cannot serve {qty} x {sku} now: {reason}",
                    qty=outcome.qty,
                    sku=outcome.sku,
                    reason=reason,
                ),
            ),
            soft_wrap=True,
        )
        print_alternatives(cli, outcome.alternatives)
        return EXIT_REFUSED
    cli.say(
        _(
            "Order {order} placed: {qty} x {sku} for {customer}.",
            order=outcome.op_id,
            qty=outcome.qty,
            sku=outcome.sku,
            customer=customer_name,
        ),
        style="bold green",
    )
    for source in outcome.sources:
        lines = ", ".join(f"{qty} x {sku}" for sku, qty in source.lines)
        if source.job_kind == "collect":
            sentence = _(
                "Comes from {location} — {name}: {lines}, handed over at its counter",
                location=source.location,
                name=source.name,
                lines=lines,
            )
        else:
            sentence = _(
                "Comes from {location} — {name}: {lines}, shipped from {distance} away",
                location=source.location,
                name=source.name,
                lines=lines,
                distance=_distance(cli, source.distance_km),
            )
        cli.say(sentence)
    if outcome.explanation is not None:
        cli.say(_("Why:"), style="bold")
        print_explanation(cli, outcome.explanation)
    promise = _promise(cli, outcome)
    if promise is not None:
        cli.say(_("Promised by {date}", date=promise), style="bold")
    return EXIT_OK


def cmd_order(cli: Cli, args: argparse.Namespace) -> int:
    if args.home is not None and (args.lat is None or args.lon is None):
        raise CliError(
            _("home delivery needs the address's coordinates: --lat and --lon"), EXIT_USAGE
        )
    with cli.store() as context:
        result = context.lookup.find(args.sku)
        if result.found is Found.MATCHES:
            raise CliError(
                _(
                    "{query} matches several items: give one SKU or scan its barcode",
                    query=result.query,
                )
            )
        if result.found is not Found.ITEM or result.item is None:
            raise _not_found_error(result)
        sku = result.item.sku
        try:
            if args.collect_here:
                delivery = context.orders.collect_here()
            elif args.collect_at:
                delivery = collect_at(args.collect_at)
            else:
                delivery = home_delivery(args.home, args.lat, args.lon)
            contact = customer(args.name, email=args.email, phone=args.phone)
            outcome = context.orders.place(sku, args.qty, delivery, contact)
        except OrderInputError as error:
            raise _order_input_error(error, sku, args.collect_at) from error
    return print_order_outcome(cli, outcome, contact.name)


def cmd_routing(cli: Cli, args: argparse.Namespace) -> int:
    try:
        order_id = order_id_of(args.order)
    except ValueError as error:
        raise CliError(
            _("{order} is not an order id (a UUID)", order=args.order), EXIT_USAGE
        ) from error
    with cli.store() as context:
        try:
            decisions = context.orders.routing(order_id)
        except LedgerRefused as error:
            if error.status == 404:
                raise CliError(_("the ledger knows no order {order}", order=order_id)) from error
            raise
    triggers = {"order": _("when the order was placed"), "short_pick": _("after a short pick")}
    for number, decision in enumerate(decisions, start=1):
        when = "" if decision.created_at is None else cli.translator.moment(decision.created_at)
        cli.say(
            _(
                "Decision {number}, {trigger} ({when}):",
                number=number,
                trigger=triggers.get(decision.trigger, decision.trigger),
                when=when,
            ),
            style="bold",
        )
        print_explanation(cli, decision)
    if not decisions:
        cli.say(_("No routing decision recorded for order {order}.", order=order_id))
    return EXIT_OK


# --- Sync ----------------------------------------------------------------------------------------


def _reason(entry: outbox.Entry) -> str:
    problem = entry.problem or {}
    reason = problem.get("detail") or problem.get("title") or entry.last_error
    return str(reason) if reason else _("no reason given")


def print_report(cli: Cli, report: SyncReport, refused: Sequence[outbox.Entry]) -> None:
    if report.online:
        cli.say(_("Online."), style="bold green")
    else:
        cli.say(_("Offline: {error}", error=report.error), style="bold red")
    cli.say(
        _(
            "Sent and accepted: {accepted} · refused: {refused} · changes pulled: {pulled}",
            accepted=report.accepted,
            refused=report.refused,
            pulled=report.pulled,
        )
    )
    if report.bootstrapped:
        cli.say(_("The network view was loaded from the start."))
    listed = {entry.summary for entry in refused}
    for entry in refused:
        cli.warn(_("refused: {summary}: {reason}", summary=entry.summary, reason=_reason(entry)))
    for summary in report.refusals:
        if summary not in listed:
            cli.warn(_("refused: {summary}", summary=summary))


def cmd_sync(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        if args.once:
            return _sync_once(cli, context)
        return _sync_forever(cli, context)


def _sync_once(cli: Cli, context: StoreContext) -> int:
    worker = context.worker()
    worker.acquire()
    try:
        before = {entry.id for entry in outbox.needing_attention(context.engine)}
        report = context.sync.sync_once()
        refused = [e for e in outbox.needing_attention(context.engine) if e.id not in before]
    finally:
        worker.release()
    print_report(cli, report, refused)
    waiting, attention = _counts(context)
    cli.say(
        _(
            "Waiting: {waiting} · needing attention: {attention}",
            waiting=waiting,
            attention=attention,
        )
    )
    return EXIT_OK if report.online else EXIT_OFFLINE


def _counts(context: StoreContext) -> tuple[int, int]:
    with context.engine.connect() as connection:
        return outbox.counts(connection)


def _sync_forever(cli: Cli, context: StoreContext) -> int:
    last_online: list[bool | None] = [None]

    def on_report(report: SyncReport) -> None:
        changed = last_online[0] is not report.online
        last_online[0] = report.online
        if not (changed or report.accepted or report.refused or report.pulled):
            return
        moment = cli.translator.moment(cli.now(), "HH:mm:ss")
        state = _("online") if report.online else _("offline: {error}", error=report.error)
        cli.say(
            _(
                "{time} {state} · accepted {accepted} · refused {refused} · pulled {pulled}",
                time=moment,
                state=state,
                accepted=report.accepted,
                refused=report.refused,
                pulled=report.pulled,
            )
        )
        for summary in report.refusals:
            cli.warn(_("refused: {summary}", summary=summary))

    worker = context.worker(on_report=on_report)
    worker.acquire()
    failure: list[BaseException] = []

    def run_worker() -> None:
        try:
            worker.run()
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run_worker, name="storeapp-sync", daemon=True)
    cli.say(
        _(
            "Syncing {location} with {url} every {seconds} s; Ctrl+C stops.",
            location=context.location,
            url=context.settings.ledger_url,
            seconds=cli.translator.number(context.settings.sync_interval_seconds),
        ),
    )
    previous_term = _raise_interrupt_on_sigterm()
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        cli.say(_("Stopping..."))
    finally:
        worker.stop()
        thread.join(timeout=context.settings.request_timeout_seconds * 2 + 5)
        worker.release()
        _restore_sigterm(previous_term)
    if failure:
        raise failure[0]
    cli.say(_("Sync stopped."))
    return EXIT_OK


_SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def _raise_interrupt_on_sigterm() -> _SignalHandler:
    """SIGTERM stops the loop like Ctrl+C (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous: _SignalHandler) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


# --- Status --------------------------------------------------------------------------------------


def age_text(cli: Cli, delta: timedelta) -> str:
    """ "just now", or "12 minutes old"."""
    if delta < timedelta(seconds=45):
        return cli.translator.age(delta)
    return _("{age} old", age=cli.translator.age(delta))


def print_status(cli: Cli, context: StoreContext) -> None:
    t = cli.translator
    status = context.status.status()
    attention = outbox.needing_attention(context.engine)
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    table.add_row(_("Store"), f"{status.location} — {status.location_name}")
    if status.online:
        connection = Text(_("online"), style="green")
    elif status.last_error:
        connection = Text(_("offline: {error}", error=status.last_error), style="red")
    else:
        connection = Text(_("offline"), style="red")
    table.add_row(_("Ledger"), context.settings.ledger_url)
    table.add_row(_("Connection"), connection)
    table.add_row(
        _("Last contact"),
        _("never") if status.last_contact is None else t.moment(status.last_contact),
    )
    table.add_row(
        _("Network view"),
        _("never synced") if status.view_age is None else age_text(cli, status.view_age),
    )
    table.add_row(_("Waiting to sync"), str(status.waiting))
    table.add_row(
        _("Needing attention"),
        Text(str(status.attention), style="bold red" if status.attention else ""),
    )
    cli.out.print(table)
    for entry in attention:
        cli.say(
            _(
                "  • {summary} ({when}): {reason}",
                summary=entry.summary,
                when=t.moment(entry.created_at),
                reason=_reason(entry),
            ),
            style="red",
        )


def cmd_status(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        print_status(cli, context)
    return EXIT_OK


# --- Terminal UI and demo ------------------------------------------------------------------------


def open_tui(context: StoreContext, translator: Translator) -> int:
    """Run the Textual app on ``context`` until it exits (textual is imported only here)."""
    try:
        from storeapp.tui.app import make_app
    except ImportError as error:
        raise CliError(_("the terminal UI cannot start: {error}", error=error)) from error
    app = make_app(context, translator, start_sync_worker=True)
    app.run()
    code = getattr(app, "return_code", None)
    return int(code) if isinstance(code, int) else EXIT_OK


def cmd_tui(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        return open_tui(context, cli.translator)


def cmd_demo(cli: Cli, args: argparse.Namespace) -> int:
    from storeapp.demo import run_demo

    return run_demo(cli, args)


# --- Parser --------------------------------------------------------------------------------------


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with translated help, usage and error lines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = _("arguments")
        self._optionals.title = _("options")
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help=_("show this help and exit"),
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, _("{prog}: error: {problem}", prog=self.prog, problem=message) + "\n")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            _("{value} is not a whole number of at least 1", value=value)
        )
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="storeapp",
        description=_(
            "The store terminal: look items up, sell, order and sync with the ledger. "
            "Without a command it opens the terminal UI."
        ),
        epilog=_(
            "exit codes: 0 done, 1 failed or not found, 2 usage error, 3 ledger unreachable, "
            "4 another process syncs, 5 refused by the ledger, 6 not set up, 130 interrupted"
        ),
    )
    parser.set_defaults(handler=cmd_tui)
    commands = parser.add_subparsers(dest="command", title=_("commands"), metavar=_("COMMAND"))

    setup = commands.add_parser(
        "setup",
        help=_("connect this terminal to the ledger and load its store's stock"),
        description=_(
            "Ask the ledger which store and role the token belongs to, save the ledger URL and "
            "token in the settings file, and load the store's view of the network."
        ),
    )
    setup.add_argument("--ledger", required=True, metavar="URL", help=_("base URL of the ledger"))
    setup.add_argument(
        "--token", required=True, help=_("this device's token (from `ordersync token create`)")
    )
    setup.add_argument(
        "--locale", help=_("language and formats of the screens, e.g. fr_FR or en_GB")
    )
    setup.set_defaults(handler=cmd_setup)

    lookup = commands.add_parser(
        "lookup",
        help=_("find an item and where it is available"),
        description=_(
            "Find an item by barcode, SKU, reference or name; show its size grid and where it "
            "is available in the network."
        ),
    )
    lookup.add_argument(
        "query", nargs="+", metavar="QUERY", help=_("barcode, SKU, reference or words of a name")
    )
    lookup.add_argument(
        "--offline", action="store_true", help=_("answer from the cache only, without the ledger")
    )
    lookup.set_defaults(handler=cmd_lookup)

    sync = commands.add_parser(
        "sync",
        help=_("send waiting operations and pull the ledger's changes"),
        description=_(
            "Send the operations waiting in the outbox and pull the ledger's changes, "
            "in rounds until Ctrl+C, or once with --once."
        ),
    )
    sync.add_argument("--once", action="store_true", help=_("one round, print its report and exit"))
    sync.set_defaults(handler=cmd_sync)

    status = commands.add_parser(
        "status",
        help=_("store, connection, age of the network view, waiting and refused operations"),
        description=_("What the terminal knows about its sync, without calling the ledger."),
    )
    status.set_defaults(handler=cmd_status)

    sell = commands.add_parser(
        "sell",
        help=_("record a counter sale"),
        description=_("Record a counter sale; it is sent to the ledger at the next sync."),
    )
    sell.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item sold"))
    sell.add_argument(
        "--qty", type=_positive_int, default=1, metavar="N", help=_("units sold (default 1)")
    )
    sell.set_defaults(handler=cmd_sell)

    jobs = commands.add_parser(
        "jobs",
        help=_("the store's queue of jobs to pick, oldest due first"),
        description=_(
            "The jobs the network routed to this store (web orders to ship, orders to hand "
            "over here), oldest due first, late ones flagged, as of the last sync."
        ),
    )
    jobs.add_argument(
        "--all", action="store_true", help=_("also list the jobs that are done or cancelled")
    )
    jobs.set_defaults(handler=cmd_jobs)

    job = commands.add_parser(
        "job",
        help=_("one job: its pick list and state"),
        description=_("A job's pick list (lines, units scanned) and its state."),
    )
    job.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    job.set_defaults(handler=cmd_job)

    order = commands.add_parser(
        "order",
        help=_("order an item for a customer (home delivery or collection)"),
        description=_(
            "Order an item the store cannot hand over now: the network routes it to where it "
            "is. Prints where it comes from, why, and the promised date; when the ledger "
            "cannot be reached, the order is kept and sent at the next sync."
        ),
    )
    order.add_argument("sku", metavar="SKU", help=_("SKU or barcode of the item"))
    order.add_argument(
        "--qty", type=_positive_int, default=1, metavar="N", help=_("units ordered (default 1)")
    )
    where = order.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--collect-here",
        action="store_true",
        help=_("the customer collects it at this store"),
    )
    where.add_argument(
        "--collect-at", metavar="CODE", help=_("the customer collects it at another store")
    )
    where.add_argument(
        "--home", metavar="ADDRESS", help=_("delivered to the customer's home at this address")
    )
    order.add_argument("--lat", type=float, help=_("latitude of the home address"))
    order.add_argument("--lon", type=float, help=_("longitude of the home address"))
    order.add_argument("--name", required=True, help=_("the customer's name"))
    order.add_argument("--email", help=_("the customer's email address"))
    order.add_argument("--phone", help=_("the customer's phone number"))
    order.set_defaults(handler=cmd_order)

    routing = commands.add_parser(
        "routing",
        help=_("why an order went where it went"),
        description=_(
            "Every routing decision of an order: the location chosen and why each other "
            "location lost (asks the ledger)."
        ),
    )
    routing.add_argument("order", metavar="ORDER_ID", help=_("the order's id"))
    routing.set_defaults(handler=cmd_routing)

    demo = commands.add_parser(
        "demo",
        help=_("run a demo ledger on this machine and open the terminal of store PAR-01"),
        description=_(
            "Load the demo network into a ledger under the data directory, serve it on "
            "127.0.0.1, set up a terminal for store PAR-01 and open it. Running it again "
            "reuses the data."
        ),
    )
    demo.add_argument(
        "--no-tui",
        action="store_true",
        help=_("stop after the setup: print the store status, the ledger URL and token"),
    )
    demo.add_argument(
        "--folder", type=Path, help=_("demo folder (default: demo under the data directory)")
    )
    demo.add_argument(
        "--locale", help=_("language and formats of the screens, e.g. fr_FR or en_GB")
    )
    demo.add_argument(
        "--seed", type=int, default=7, help=_("random seed of the demo network (default 7)")
    )
    demo.set_defaults(handler=cmd_demo)
    from storeapp.cli_manager import add_commands  # it imports this module: import it late

    add_commands(commands)
    return parser


# --- Entry points --------------------------------------------------------------------------------


def run(
    argv: Sequence[str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    now: Now = utc_now,
) -> int:
    """``main`` with what tests inject: the HTTP transport to the ledger and the clock."""
    previous = i18n.active()
    try:
        return _run(argv, transport=transport, now=now)
    finally:
        i18n.use(previous)


def _run(argv: Sequence[str] | None, *, transport: httpx.BaseTransport | None, now: Now) -> int:
    settings: StoreSettings | None = None
    settings_error: CliError | None = None
    try:
        settings = load_settings()
    except CliError as error:
        settings_error = error
    translator = translator_for(settings)
    i18n.use(translator)
    cli = Cli(
        out=Console(highlight=False),
        err=Console(stderr=True, highlight=False),
        translator=translator,
        settings=settings,
        settings_error=settings_error,
        transport=transport,
        now=now,
    )
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE if stop.code else EXIT_OK
    handler: Callable[[Cli, argparse.Namespace], int] = args.handler
    try:
        return handler(cli, args)
    except CliError as error:
        return _fail(cli, error.message, error.code)
    except LedgerUnauthorized as error:
        return _fail(
            cli,
            _(
                "the ledger refused this device's token ({detail}): ask for a new token and "
                "run `storeapp setup` again",
                detail=error,
            ),
            EXIT_REFUSED,
        )
    except LedgerRefused as error:
        return _fail(cli, _("the ledger refused: {detail}", detail=error), EXIT_REFUSED)
    except LedgerUnavailable as error:
        return _fail(cli, _("cannot reach the ledger: {reason}", reason=error), EXIT_OFFLINE)
    except SyncLockBusy as error:
        return _fail(
            cli,
            _(
                "another storeapp process (the terminal UI or `storeapp sync`) is syncing this "
                "cache ({detail}); it keeps it up to date",
                detail=error,
            ),
            EXIT_BUSY,
        )
    except KeyboardInterrupt:
        cli.err.print(Text(_("interrupted"), style="yellow"))
        return EXIT_INTERRUPTED
    except SQLAlchemyError as error:
        return _fail(
            cli,
            _(
                "the local cache cannot be used: {error}",
                error=error.__class__.__name__ + ": " + str(getattr(error, "orig", None) or error),
            ),
            EXIT_FAILED,
        )
    except OSError as error:
        return _fail(cli, _("system error: {error}", error=error), EXIT_FAILED)
    except Exception as error:
        if os.environ.get("STOREAPP_DEBUG"):
            raise
        return _fail(
            cli,
            _(
                "unexpected error: {error} (run again with STOREAPP_DEBUG=1 to see the details)",
                error=f"{type(error).__name__}: {error}",
            ),
            EXIT_FAILED,
        )


def _fail(cli: Cli, message: str, code: int) -> int:
    cli.err.print(Text.assemble((_("error: "), "bold red"), message), soft_wrap=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
