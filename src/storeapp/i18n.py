"""Every text staff read goes through here: gettext catalogs (English source, French), the
``_``/``N_`` markers, and Babel formats for money, numbers and dates in the store's locale and
time zone (the wording of spans and ages is ``storeapp.wording.figures``).

Catalogs are the ``.po`` files under ``locale/``, read at start-up; no compiled files to ship.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal


@cache
def _catalog(language: str) -> dict[str, str]:
    """Every ``.po`` file of the language merged (one per area of the app: tui, cli, ...)."""
    folder = resources.files("storeapp") / "locale" / language / "LC_MESSAGES"
    messages: dict[str, str] = {}
    if not folder.is_dir():
        return messages
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            catalog = read_po(handle)
        messages.update(
            (str(message.id), str(message.string))
            for message in catalog
            if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
        )
    return messages


class Translator:
    """Texts and formats of one locale (``fr_FR``, ``en_GB``...) and one time zone."""

    def __init__(self, locale: str = "en_GB", timezone: str = "Europe/Paris") -> None:
        try:
            self.locale = Locale.parse(locale.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse("en_GB")
        self.zone = ZoneInfo(timezone)
        self._messages = _catalog(self.locale.language)

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def __call__(self, message: str, **values: object) -> str:
        """Translate ``message`` and fill its ``{name}`` fields."""
        translated = self.gettext(message)
        return translated.format(**values) if values else translated

    def money(self, minor_units: int, currency: str) -> str:
        return format_currency(minor_units / 100, currency, locale=self.locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def moment(self, value: datetime, format: str = "short") -> str:
        return format_datetime(value.astimezone(self.zone), format=format, locale=self.locale)


_active = Translator()


def use(translator: Translator) -> None:
    """Make ``translator`` the one ``_`` speaks through (set once at start-up)."""
    global _active
    _active = translator


def active() -> Translator:
    return _active


def _(message: str, **values: object) -> str:
    return _active(message, **values)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for translation where it is defined; ``_()`` translates it where shown."""
    return message
