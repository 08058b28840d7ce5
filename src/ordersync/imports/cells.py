"""Reading the cells of one record: text, whole numbers, prices, yes/no, coordinates.

Each reader returns the value or raises ``BadValue`` with a reason a person can act on, naming
the column; the caller turns it into a bad line. Cells are stripped of surrounding spaces; an
empty cell of an optional column means the column's default.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, get_currency_precision

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


class BadValue(ValueError):
    """A cell that does not hold what its column needs; the message is the reason shown."""


class Cells:
    """One record's cells by column name (a column the header lacks reads as empty)."""

    __slots__ = ("_fields", "_positions")

    def __init__(self, fields: list[str], positions: dict[str, int]) -> None:
        self._fields = fields
        self._positions = positions

    def raw(self, column: str) -> str:
        index = self._positions.get(column)
        if index is None or index >= len(self._fields):
            return ""
        value = self._fields[index].strip()
        if "\x00" in value:
            raise BadValue(f"{column} holds a NUL character")
        return value

    def text(self, column: str, *, max_length: int) -> str:
        """A required text cell."""
        value = self.raw(column)
        if not value:
            raise BadValue(f"{column} is empty")
        if len(value) > max_length:
            raise BadValue(f"{column} is longer than {max_length} characters")
        return value

    def optional_text(self, column: str, *, max_length: int) -> str | None:
        value = self.raw(column)
        if len(value) > max_length:
            raise BadValue(f"{column} is longer than {max_length} characters")
        return value or None

    def whole_number(self, column: str, *, low: int, high: int, default: int | None = None) -> int:
        value = self.raw(column)
        if not value and default is not None:
            return default
        return whole_number(column, value, low, high)

    def yes_no(self, column: str, *, default: bool) -> bool:
        value = self.raw(column).lower()
        if not value:
            return default
        if value in YES:
            return True
        if value in NO:
            return False
        raise BadValue(f"{column} is {value!r}: write yes or no")

    def coordinate(self, column: str, *, limit: int) -> float:
        value = self.raw(column)
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise BadValue(f"{column} is {value!r}, not a number like 48.8566") from None
        if not -limit <= number <= limit:
            raise BadValue(f"{column} is {value}: it lies between -{limit} and {limit}")
        return number

    def price_minor(self, column: str, currency: str) -> int:
        """A price in major units (``39.90``, or ``39,90``) as minor units of ``currency``."""
        value = self.raw(column)
        try:
            digits = get_currency_precision(currency)
        except UnknownCurrencyError:
            digits = 2
        try:
            amount = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise BadValue(f"{column} is {value!r}, not an amount like 39.90") from None
        if not amount.is_finite() or amount < 0:
            raise BadValue(f"{column} is {value!r}: a price is zero or more")
        minor = amount.scaleb(digits)
        if minor != minor.to_integral_value():
            raise BadValue(f"{column} {value} has more than {digits} decimals for {currency}")
        if minor > 10**12:
            raise BadValue(f"{column} {value} is too large")
        return int(minor)


def whole_number(column: str, value: str, low: int, high: int) -> int:
    digits = value[1:] if value.startswith("-") else value
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise BadValue(f"{column} is {value!r}, not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise BadValue(f"{column} is {number}: it lies between {low} and {high}")
    return number
