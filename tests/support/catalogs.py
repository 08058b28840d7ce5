"""The store's translatable texts, as its sources mark them, and its French catalogs.

A text counts once it is the literal first argument of a ``_()`` or ``N_()`` call; a catalog is
read whole, and none of its entries may be fuzzy.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

from babel.messages.pofile import read_po

import storeapp

FRENCH = Path(storeapp.__file__).parent / "locale" / "fr" / "LC_MESSAGES"


def texts_under(folder: Path) -> set[str]:
    """The literal first argument of every ``_()`` and ``N_()`` call in the modules under
    ``folder`` (``_(label)`` translates a label marked with ``N_()`` where it is defined)."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "N_"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def french_catalog(name: str) -> dict[str, str]:
    """One French catalog of the store (``common.po``, ``tui.po``...); none of it fuzzy."""
    with (FRENCH / name).open("rb") as handle:
        catalog = read_po(handle)
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    return {str(m.id): str(m.string) for m in catalog if m.id}


def fields(text: str) -> set[str]:
    """The names of the replacement fields of ``text`` (``{count}`` gives ``count``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
