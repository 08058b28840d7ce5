"""How an id is shortened for staff to read and type: the start of it, long enough to tell it
apart from every other id it is shown with.

Ids are UUIDv7: their first 12 hex digits are the time in milliseconds, so ids made within the
same minute or so share their first 8 characters (three orders of one morning all read
``01a25037`` when cut at 8). Cutting every id at a fixed length cannot tell them apart; cutting
each at the shortest start that no other id shares can, and what staff type back is still the
start of the id (``storeapp job`` and the search of every screen take any start of it).
"""

from __future__ import annotations

from collections.abc import Iterable

SHORTEST = 8
"""No id is shown shorter than this, even when fewer characters would tell it apart."""


def _shared_start(first: str, second: str) -> int:
    """How many leading characters the two have in common."""
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def short_ids(ids: Iterable[str], least: int = SHORTEST) -> dict[str, str]:
    """Each id (as given) and the shortest start of it, of at least ``least`` characters, that
    no other id of ``ids`` starts with; an id that is the start of another is shown whole.

    Sorted, the id sharing the longest start with another is one of its two neighbours, so one
    pass over the sorted ids finds every length. A cut never ends on a UUID's hyphen.
    """
    ordered = sorted(set(ids), key=str.casefold)
    keys = [an_id.casefold() for an_id in ordered]
    shown: dict[str, str] = {}
    for index, an_id in enumerate(ordered):
        shared = 0
        if index > 0:
            shared = _shared_start(keys[index - 1], keys[index])
        if index + 1 < len(keys):
            shared = max(shared, _shared_start(keys[index], keys[index + 1]))
        length = max(least, shared + 1)
        if length < len(an_id) and an_id[length - 1] == "-":
            length += 1
        shown[an_id] = an_id[:length]
    return shown


def short_id(an_id: str, among: Iterable[str] = (), least: int = SHORTEST) -> str:
    """One id's shortest distinguishing start among ``among`` (which may include it)."""
    return short_ids([an_id, *among], least)[an_id]
