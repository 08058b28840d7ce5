"""Reading an ERP CSV file: its fingerprint, its header, and its records with their line numbers.

A file is checked whole before any line is applied: it must be UTF-8 (a byte-order mark is
allowed), and its header row must name every required column, no unknown one and none twice.
Column names are matched without regard to case or surrounding spaces. The delimiter is the one
of comma, semicolon or tab the header uses most (spreadsheets in France save with semicolons).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ordersync.imports.summary import ImportRefused

_BLOCK = 1 << 20
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a kind of file has: those every file must name, and those it may."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True, slots=True)
class CsvFile:
    """A checked file: its fingerprint, its delimiter, and where each known column is."""

    path: Path
    sha256: str
    delimiter: str
    positions: dict[str, int]
    """The index of each column the header names."""
    width: int
    """How many fields the header has: every record must have as many."""

    def records(self) -> Iterator[tuple[int, list[str], str | None]]:
        """Each record after the header: the line it starts on, its fields, and why it could
        not be read as CSV (then its fields are empty). Blank lines are skipped."""
        with self.path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, delimiter=self.delimiter)
            next(reader, None)
            ended_on = reader.line_num
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    yield ended_on + 1, [], f"not readable as CSV: {error}"
                    ended_on = reader.line_num
                    continue
                starts_on, ended_on = ended_on + 1, reader.line_num
                if len(fields) > 1 or (fields and fields[0].strip()):
                    yield starts_on, fields, None


def approximate_data_lines(path: Path) -> int | None:
    """The lines after the header, counted as newlines (for a progress bar); None if unreadable."""
    try:
        with path.open("rb") as stream:
            newlines = sum(block.count(b"\n") for block in iter(lambda: stream.read(_BLOCK), b""))
    except OSError:
        return None
    return max(newlines - 1, 0)


def _fingerprint(path: Path) -> str:
    """The file's SHA-256; refused unless it is UTF-8 from end to end."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                raise ImportRefused(
                    f"{path.name} is not UTF-8 text (byte {offset + error.start + 1}): "
                    "save it from the ERP as CSV UTF-8",
                    file=path.name,
                ) from None
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportRefused(
                f"{path.name} is not UTF-8 text (it ends inside a character)", file=path.name
            ) from None
    if offset == 0:
        raise ImportRefused(f"{path.name} is empty: a header row is required", file=path.name)
    return digest.hexdigest()


def _header(path: Path) -> tuple[str, list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        first = stream.readline()
    if "\x00" in first:
        raise ImportRefused(f"{path.name} is not a CSV text file", file=path.name)
    delimiter = max(DELIMITERS, key=first.count)
    names = next(csv.reader([first], delimiter=delimiter), [])
    return delimiter, [name.strip().lower() for name in names]


def open_csv(path: Path, columns: Columns) -> CsvFile:
    """Check ``path`` whole (encoding, header) and return it ready to read; else refuse it."""
    try:
        sha256 = _fingerprint(path)
        delimiter, names = _header(path)
    except OSError as error:
        raise ImportRefused(f"cannot read {path}: {error.strerror}", file=str(path)) from None
    wanted = ", ".join(columns.known)
    if not any(names):
        raise ImportRefused(
            f"{path.name} has no header row: the first line must name the columns ({wanted})",
            file=path.name,
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ImportRefused(
            f"{path.name} names the column {', '.join(twice)} more than once", file=path.name
        )
    unknown = [name for name in names if name not in columns.known]
    if unknown:
        raise ImportRefused(
            f"{path.name} has unknown column(s) {', '.join(unknown)}; the columns are: {wanted}",
            file=path.name,
            unknown=unknown,
        )
    missing = [name for name in columns.required if name not in names]
    if missing:
        raise ImportRefused(
            f"{path.name} lacks the required column(s) {', '.join(missing)} "
            f"(its header: {', '.join(names)})",
            file=path.name,
            missing=missing,
        )
    return CsvFile(
        path=path,
        sha256=sha256,
        delimiter=delimiter,
        positions={name: index for index, name in enumerate(names)},
        width=len(names),
    )
