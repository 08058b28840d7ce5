"""The destination table: every place of the store terminal that is one key away from any screen.

A row names a destination once: its key (and any other key to the same place), the label the
footer and the help show, whether the footer shows it, the title and description of its entry in
the command palette, and where it leads: a screen, or an action of the app for the places that are
not a screen of their own (going home to the lookup, syncing now, help, signing out, quitting),
and whether it is for managers (an associate signed in needs a manager's PIN to open it).
``StoreApp`` derives its key bindings, its ``go`` action and its command palette from this table
and from nothing else, so a new screen reachable from everywhere is a new row here.

Promises:

- A screen destination is brought forward when it is open already (the screens above it close),
  else opened over the current screen: never two of the same kind in the stack.
- The palette lists the rows in table order; the footer and the help list their keys in keyboard
  order (F1 to F12, then the other keys in table order).
- No two rows share a key (a test checks it, with every row reachable by its key and its palette
  entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.binding import Binding

from storeapp.i18n import N_
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.count import CountScreen
from storeapp.tui.screens.day_queue import DayQueueScreen
from storeapp.tui.screens.insights import InsightsScreen
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.receive import ReceiveScreen
from storeapp.tui.screens.returns import ReturnsScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.screens.transfers import TransfersScreen


@dataclass(frozen=True)
class Destination:
    """One row of the table; texts are marked with ``N_`` and translated where shown."""

    name: str
    """How actions call it: ``go('<name>')`` for a screen, else the app's ``action_<name>``."""
    key: str
    label: str
    """What the footer and the help call it."""
    title: str
    """Its entry in the command palette."""
    description: str
    """The line under the title in the command palette."""
    screen: type[StoreScreen] | None = None
    """The screen it shows, built from the store's context; None for an action of the app."""
    in_footer: bool = False
    more_keys: tuple[str, ...] = ()
    """Other keys to the same place, never shown in the footer."""
    priority: bool = False
    """The key works even where the focused widget would take it."""
    managers: bool = False
    """For managers: an associate signed in needs a manager's code and PIN to open it."""

    @property
    def action(self) -> str:
        """The action its keys and its palette entry run."""
        return f"go({self.name!r})" if self.screen is not None else self.name

    def bindings(self) -> list[Binding]:
        """Its key, then its other keys, all running its action."""
        return [
            Binding(
                key,
                self.action,
                self.label,
                show=self.in_footer and key == self.key,
                priority=self.priority,
            )
            for key in (self.key, *self.more_keys)
        ]


DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        name="lookup",
        key="f2",
        label=N_("Look up"),
        title=N_("Look up an item"),
        description=N_("Back to the lookup screen"),
    ),
    Destination(
        name="jobs",
        key="f4",
        label=N_("Jobs"),
        title=N_("Jobs to pick"),
        description=N_("The store's queue of jobs: pick, pack, ship, hand over"),
        screen=JobsScreen,
    ),
    Destination(
        name="day",
        key="f6",
        label=N_("Day's queue"),
        title=N_("Day's queue"),
        description=N_(
            "The manager's day: late jobs, rejections, collections, sales saved, devices"
        ),
        screen=DayQueueScreen,
        managers=True,
    ),
    Destination(
        name="counts",
        key="f7",
        label=N_("Counts"),
        title=N_("Counts"),
        description=N_("Count tasks and counting the shelf"),
        screen=CountScreen,
    ),
    Destination(
        name="insights",
        key="f8",
        label=N_("Insights"),
        title=N_("Insights"),
        description=N_("Stock-out risk, sales trends, what to reorder (managers)"),
        screen=InsightsScreen,
        managers=True,
    ),
    Destination(
        name="receive",
        key="f9",
        label=N_("Receive"),
        title=N_("Receive"),
        description=N_("Deliveries and transfers expected here; receiving them, or blind"),
        screen=ReceiveScreen,
    ),
    Destination(
        name="transfers",
        key="f10",
        label=N_("Transfers"),
        title=N_("Transfers"),
        description=N_("Transfers to send from here, and those this store asked for"),
        screen=TransfersScreen,
    ),
    Destination(
        name="returns",
        key="f11",
        label=N_("Returns"),
        title=N_("Returns"),
        description=N_("A customer brings an item back: record the return, with its reason"),
        screen=ReturnsScreen,
    ),
    Destination(
        name="sync_now",
        key="f5",
        label=N_("Sync now"),
        title=N_("Sync now"),
        description=N_("Send waiting operations and fetch changes now"),
        in_footer=True,
    ),
    Destination(
        name="sync",
        key="f3",
        label=N_("Sync status"),
        title=N_("Sync status"),
        description=N_("Waiting operations, refused ones, the last sync"),
        screen=SyncScreen,
        in_footer=True,
    ),
    Destination(
        name="help",
        key="f1",
        more_keys=("question_mark",),
        label=N_("Help"),
        title=N_("Help"),
        description=N_("Keys of this screen and of the app"),
        in_footer=True,
    ),
    Destination(
        name="sign_out",
        key="ctrl+o",
        label=N_("Sign out"),
        title=N_("Sign out"),
        description=N_("Sign out of the terminal, for another person to sign in"),
    ),
    Destination(
        name="quit",
        key="ctrl+q",
        label=N_("Quit"),
        title=N_("Quit"),
        description=N_("Close the store terminal"),
        priority=True,
    ),
)
"""Every destination, in the order of the command palette."""


def destination_bindings() -> list[Binding]:
    """The key bindings of every destination, in keyboard order (the footer shows them so)."""
    return [
        binding
        for destination in sorted(DESTINATIONS, key=_keyboard_position)
        for binding in destination.bindings()
    ]


def destination_screen(name: str) -> Destination:
    """The row of the destination screen called ``name``."""
    for destination in DESTINATIONS:
        if destination.name == name and destination.screen is not None:
            return destination
    raise LookupError(f"no destination screen is called {name!r}")


def _keyboard_position(destination: Destination) -> tuple[int, int]:
    function_key = re.fullmatch(r"f(\d{1,2})", destination.key)
    return (0, int(function_key[1])) if function_key else (1, 0)
