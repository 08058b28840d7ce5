"""``ordersync locations import``, ``items import``, ``stock import [--delta]`` and
``deliveries import``: CSV files from the ERP into the ledger.

Exit codes: 0 when every line was good (or the same file was already imported: nothing is done
twice), 1 when some lines were bad (the good ones are applied; each bad one is shown with its
line number and reason, at most ``BAD_LINES_SHOWN`` on screen and all of them in ``--errors``),
2 when the file is refused whole (not UTF-8 CSV, a required column missing): nothing applied.
An interrupted import keeps what it committed; the same command run again finishes it.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ordersync.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Subcommands,
    console,
    errors,
    existing_ledger,
)
from ordersync.clock import SystemClock
from ordersync.imports import BadLine, ImportKind, ImportSummary, import_file
from ordersync.imports.csv_files import approximate_data_lines

BAD_LINES_SHOWN = 20
FORMATS = ("table", "json")


def add_commands(commands: Subcommands) -> None:
    for family, kind, what in (
        ("locations", ImportKind.LOCATIONS, "stores and warehouses"),
        ("items", ImportKind.ITEMS, "the catalog: SKUs, sizes, colours, prices, GTINs"),
        ("stock", ImportKind.STOCK, "on hand per location and SKU"),
        ("deliveries", ImportKind.DELIVERIES, "purchase orders and shipping notices"),
    ):
        parser = commands.add_parser(family, help=f"{what} (import from a CSV file)")
        verbs = parser.add_subparsers(dest=f"{family}_command", required=True, metavar="COMMAND")
        command = verbs.add_parser(
            "import",
            help=f"import {what} from a CSV file of the ERP",
            description=f"Import {what} from FILE (UTF-8 CSV with a header row). A file "
            "already imported is not applied again. Exit code 1 if some lines were bad "
            "(the good ones are applied), 2 if the file is refused whole.",
        )
        command.add_argument("file", type=Path, metavar="FILE")
        if kind is ImportKind.STOCK:
            command.add_argument(
                "--delta",
                action="store_true",
                help="reconcile only the positions listed (default: a full snapshot of each "
                "location named, positions absent from the file going to 0)",
            )
        command.add_argument("--errors", type=Path, metavar="CSV", help="write every bad line here")
        command.add_argument("--format", choices=FORMATS, default="table", help="(table)")
        command.set_defaults(handler=_handler(kind))


def _handler(kind: ImportKind) -> Callable[[argparse.Namespace], int]:
    def handle(args: argparse.Namespace) -> int:
        chosen = ImportKind.STOCK_DELTA if getattr(args, "delta", False) else kind
        return cmd_import(args, chosen)

    return handle


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s")


@contextmanager
def _errors_file(path: Path | None) -> Iterator[Callable[[BadLine], None] | None]:
    if path is None:
        yield None
        return
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["line", "reason"])
        yield lambda bad: writer.writerow([bad.line, bad.reason])


def _progress(show: bool) -> Progress | nullcontext[None]:
    if not show:
        return nullcontext()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def cmd_import(args: argparse.Namespace, kind: ImportKind) -> int:
    path: Path = args.file
    as_json = args.format == "json"
    with (
        existing_ledger(args, writer=True) as engine,
        _errors_file(args.errors) as on_bad,
        _progress(not as_json and errors.is_terminal) as progress,
    ):
        on_progress = None
        if progress is not None:
            total = approximate_data_lines(path)
            task = progress.add_task(f"importing {path.name}", total=total)

            def on_progress(lines: int) -> None:
                progress.update(task, completed=lines, total=max(lines, total or 0) or None)

        try:
            summary = import_file(
                engine, kind, path, clock=SystemClock(), on_progress=on_progress, on_bad_line=on_bad
            )
        except KeyboardInterrupt:
            errors.print(
                "interrupted: what was committed stays; run the same command again to finish",
                highlight=False,
            )
            return EXIT_INTERRUPTED
    if as_json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        _show(summary, args.errors)
    return EXIT_OK if summary.ok else EXIT_FAILED


def _show(summary: ImportSummary, errors_path: Path | None) -> None:
    if summary.already_imported_at is not None:
        when = summary.already_imported_at.strftime("%Y-%m-%d %H:%M UTC")
        console.print(
            f"{summary.file} was already imported on {when} ({summary.kind.value}): nothing to do",
            highlight=False,
        )
        return
    table = Table(title=f"{summary.kind.value.replace('_', ' ')} import of {summary.file}")
    for column in ("lines read", "applied", "unchanged", "bad", "movements", "elapsed"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{summary.lines_read:,}",
        f"{summary.applied:,}",
        f"{summary.unchanged:,}",
        f"{summary.bad:,}",
        f"{summary.movements:,}",
        f"{summary.elapsed_seconds:.1f} s",
    )
    console.print(table)
    if summary.resumed_after:
        console.print(
            f"resumed: the first {summary.resumed_after:,} lines were committed by an earlier "
            "run of this file",
            highlight=False,
        )
    for bad in summary.bad_lines[:BAD_LINES_SHOWN]:
        console.print(f"line {bad.line}: {bad.reason}", highlight=False, markup=False)
    hidden = summary.bad - min(summary.bad, BAD_LINES_SHOWN)
    if hidden:
        where = f"all of them are in {errors_path}" if errors_path else "use --errors FILE.csv"
        console.print(f"… and {hidden:,} more bad lines ({where})", highlight=False)
