"""Translated key bindings of the TUI: the footer and the help screen show their descriptions."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from storeapp.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Translate the descriptions of the bindings ``node`` declares, in place on this instance.

    Textual copies a class's merged bindings into every instance, so this changes neither the
    class nor other instances; call it from ``__init__``, once the translator is in use.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(
                binding,
                description=_(binding.description) if binding.description else "",
                tooltip=_(binding.tooltip) if binding.tooltip else "",
            )
            for binding in bindings
        ]
