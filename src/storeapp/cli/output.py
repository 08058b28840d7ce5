"""Output more than one command family prints: data as JSON for scripts (times in UTC, ISO 8601;
spans in whole minutes; money in minor units), the terminal's sync status (the ``status`` command
and the demo), and why the ledger refused an operation of the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from rich.table import Table
from rich.text import Text

from storeapp.cache import outbox
from storeapp.cli.session import Cli
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.wording.figures import view_age_text


def plain(value: Any) -> Any:
    """Data as JSON can hold it: dataclasses and models as objects, times as ISO strings."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return {key: plain(item) for key, item in asdict(value).items()}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def headed_table(headers: Iterable[str], title: str | None = None) -> Table:
    """A table with these column headers, and its title (if any) on the left."""
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header)
    return table


def print_json(cli: Cli, value: Any) -> None:
    cli.out.print_json(json.dumps(plain(value), ensure_ascii=False))


def refusal_reason(entry: outbox.Entry) -> str:
    """Why the ledger refused an operation waiting in the outbox, as it said it."""
    problem = entry.problem or {}
    reason = problem.get("detail") or problem.get("title") or entry.last_error
    return str(reason) if reason else _("no reason given")


def print_status(cli: Cli, context: StoreContext) -> None:
    """What the terminal knows about its sync, without calling the ledger."""
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
        view_age_text(status.view_age),
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
                reason=refusal_reason(entry),
            ),
            style="red",
        )
