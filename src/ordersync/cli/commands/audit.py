"""``ordersync audit``: who changed what, read from the ledger's database, with what each operation
changed summed up on one line ("A S1 on hand 12 -> 11").

``ordersync audit [--location] [--person] [--device] [--since] [--until] [--operation] [--after]
[--limit] [--format table|csv|json]``. Like ``ordersync report`` it opens the database read-only
and has no device token: whoever can read the database reads every location (all of them unless
``--location`` names one). JSON carries every change in full; the table and CSV sum them up.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import location_code
from ordersync.cli.tabular import Tabular, render_csv, render_table
from ordersync.contract import (
    AuditChange,
    AuditEntry,
    AuditMovement,
    AuditPositionChange,
    AuditStateChange,
)
from ordersync.services.audit_log import AuditFilter, read_network_audit

FORMATS = ("table", "csv", "json")
SUMMARY_PARTS = 3
"""Changes spelled out on a summary line; the rest are counted."""


def add_commands(commands: Subcommands) -> None:
    audit = commands.add_parser(
        "audit", help="who changed what: time, location, device, person, operation, changes"
    )
    audit.add_argument("--location", type=location_code, help="one location's rows only")
    audit.add_argument("--person", help="the rows of one person (their staff code)")
    audit.add_argument("--device", help="the rows of one device (its name)")
    audit.add_argument("--operation", help="one operation, e.g. movements or job.shipped")
    audit.add_argument(
        "--since", type=moment, help="recorded at or after this time (ISO; UTC unless it says)"
    )
    audit.add_argument("--until", type=moment, help="recorded before this time (ISO)")
    audit.add_argument("--after", type=row_id, default=0, help="rows after this row id (0)")
    audit.add_argument("--limit", type=count, default=100, help="most rows shown (100)")
    audit.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    audit.set_defaults(handler=cmd_audit)


def moment(text: str) -> datetime:
    """An ISO date or time; one without an offset is taken in UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time such as 2025-03-01 or 2025-03-01T09:00+01:00"
        ) from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def count(text: str) -> int:
    value = row_id(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("give a number from 1 to 100000")
    return value


def row_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def cmd_audit(args: argparse.Namespace) -> int:
    wanted = AuditFilter(
        location=args.location,
        person=args.person,
        device=args.device,
        operation=args.operation,
        since=args.since,
        until=args.until,
        after_id=args.after,
        limit=args.limit,
    )
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        entries = read_network_audit(connection, wanted)
    if args.format == "json":
        print(json.dumps([entry.model_dump(mode="json") for entry in entries], indent=2))
    elif args.format == "csv":
        print(render_csv(_rows(entries, CSV_COLUMNS)), end="")
    else:
        render_table(_rows(entries, SCREEN_COLUMNS), console)
        console.print(f"{len(entries)} {'row' if len(entries) == 1 else 'rows'}")
    return EXIT_OK


SCREEN_COLUMNS = ["id", "time", "location", "device", "person", "operation", "changes"]
CSV_COLUMNS = [
    "id",
    "recorded_at",
    "location",
    "device",
    "person",
    "person_name",
    "operation",
    "op_id",
    "changes",
]


def _rows(entries: list[AuditEntry], columns: list[str]) -> Tabular:
    on_screen = columns is SCREEN_COLUMNS
    values = []
    for entry in entries:
        cells = {
            "id": entry.id,
            "time": entry.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "recorded_at": entry.recorded_at,
            "location": entry.location,
            "device": entry.device,
            "person": _person(entry) if on_screen else entry.person,
            "person_name": entry.person_name,
            "operation": entry.operation,
            "op_id": entry.op_id,
            "changes": summary(entry),
        }
        values.append([cells[name] for name in columns])
    return Tabular("", columns, values)


def _person(entry: AuditEntry) -> str:
    if entry.person is None:
        return ""
    return entry.person if entry.person_name is None else f"{entry.person} ({entry.person_name})"


def summary(entry: AuditEntry) -> str:
    """The changes of a row on one line: positions and states first, movements only when they
    are all there is; the ones past the first few are counted."""
    told = [part for change in entry.changes if (part := _told(change))]
    if not told:
        told = [_movement(c) for c in entry.changes if isinstance(c, AuditMovement)]
    shown = told[:SUMMARY_PARTS]
    left = len(told) - len(shown) + max(0, entry.changes_total - len(entry.changes))
    return "; ".join(shown) + (f" (+{left} more)" if left else "")


def _told(change: AuditChange) -> str:
    if isinstance(change, AuditPositionChange):
        return _position(change)
    if isinstance(change, AuditStateChange):
        name = f"{change.entity.value.replace('_', ' ')} {change.id[:8]}"
        if change.line_no is not None:
            name += f" #{change.line_no}"
        return f"{name} {change.from_state or 'new'} -> {change.to_state}"
    return ""


def _position(change: AuditPositionChange) -> str:
    parts = []
    if change.on_hand_before != change.on_hand_after:
        parts.append(f"on hand {change.on_hand_before} -> {change.on_hand_after}")
    if change.reserved_before != change.reserved_after:
        parts.append(f"reserved {change.reserved_before} -> {change.reserved_after}")
    if change.safety_stock_before != change.safety_stock_after:
        parts.append(f"safety stock {change.safety_stock_before} -> {change.safety_stock_after}")
    if change.suspect_after is not None:
        parts.append("flagged suspect" if change.suspect_after else "no longer suspect")
    return f"{change.location} {change.sku} {', '.join(parts) or 'unchanged'}"


def _movement(change: AuditMovement) -> str:
    return f"{change.movement.value} {change.location} {change.sku} {change.qty:+d}"
