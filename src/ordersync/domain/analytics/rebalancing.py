"""Transfers between stores: sleeping stock to where it sells, broken size runs to the full run.

For one reference, every store's holding of every SKU is known with its sales rate over the
policy's window. The horizon is the replenishment protection period (lead time + review): what a
store needs to last until the next replenishment could reach it anyway.

1. Sleeping stock. A store's units of a SKU sleep when they did not sell at all over the window,
   or would last longer than ``sleeping_cover_days``. The store keeps what its own horizon needs
   and offers the rest. Stores where the SKU sells and whose units do not cover the horizon ask
   for the difference. Greedy matching: the emptiest, fastest-selling asker first, served by the
   soundest sleeper first (no sales, then the longest cover).
2. Broken size runs. A store holding only a few sizes of a colour (at most
   ``broken_run_max_sizes``, and under a third of the colour's sizes) rarely finds the customer
   for them: the units of those sizes it does not need for its horizon go to the store holding
   the most sizes of that colour (the rest of the run), preferring where the size sells.

Units already offered in step 1 are not offered again in step 2.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ordersync.contract import TransferReason
from ordersync.domain.analytics.cover import days_of_cover
from ordersync.domain.analytics.demand import Rate
from ordersync.domain.analytics.policy import ReportPolicy


@dataclass(frozen=True, slots=True)
class Holding:
    """One store's stock of one SKU and how it sells there."""

    sku: str
    colour: str
    location: str
    units: int
    """Sellable units: on hand less reserved."""
    rate: Rate
    sold: int
    """Units sold over the window."""
    cover: float | None = field(init=False, default=None)
    """Days the units last at the rate; None when it does not sell here."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cover", days_of_cover(self.units, self.rate))

    def keeps(self, policy: ReportPolicy) -> int:
        """Units this store needs until the next replenishment could reach it."""
        return self.rate.over(policy.protection_days)

    def is_sleeping(self, policy: ReportPolicy) -> bool:
        if self.units <= 0:
            return False
        return self.sold == 0 or (
            self.cover is not None and self.cover > policy.sleeping_cover_days
        )

    def wants(self, policy: ReportPolicy) -> int:
        """Units it lacks to cover the horizon; only where the SKU sells."""
        if not self.rate.sells:
            return 0
        return max(0, self.keeps(policy) - max(self.units, 0))


@dataclass(frozen=True, slots=True)
class Transfer:
    sku: str
    from_location: str
    to_location: str
    qty: int
    reason: TransferReason
    from_cover: float | None
    to_cover: float | None


_NO_COVER = float("inf")


def _sleeping_transfers(
    holdings: Sequence[Holding], policy: ReportPolicy, offered: dict[tuple[str, str], int]
) -> list[Transfer]:
    by_sku: dict[str, list[Holding]] = defaultdict(list)
    for holding in holdings:
        by_sku[holding.sku].append(holding)
    transfers = []
    for sku in sorted(by_sku):
        group = by_sku[sku]
        cover = {h.location: h.cover for h in group}
        # no sales (no cover) sorts as the longest cover of all
        length = {code: _NO_COVER if c is None else c for code, c in cover.items()}
        spare = {h.location: h.units - h.keeps(policy) for h in group if h.is_sleeping(policy)}
        givers = sorted(
            (h for h in group if spare.get(h.location, 0) > 0),
            key=lambda h: (h.sold != 0, -length[h.location], -h.units, h.location),
        )
        wanted = [(h, h.wants(policy)) for h in group] if givers else []
        takers = sorted(
            ((h, need) for h, need in wanted if need > 0),
            key=lambda pair: (length[pair[0].location], -pair[0].rate.per_day, pair[0].location),
        )
        for taker, need in takers:
            for giver in givers:
                if need == 0:
                    break
                if giver.location == taker.location or spare[giver.location] <= 0:
                    continue
                qty = min(need, spare[giver.location])
                spare[giver.location] -= qty
                offered[(sku, giver.location)] = offered.get((sku, giver.location), 0) + qty
                need -= qty
                transfers.append(
                    Transfer(
                        sku,
                        giver.location,
                        taker.location,
                        qty,
                        "sleeping_stock",
                        cover[giver.location],
                        cover[taker.location],
                    )
                )
    return transfers


def _is_broken(held: int, sizes: int, policy: ReportPolicy) -> bool:
    return 0 < held <= policy.broken_run_max_sizes and 3 * held < sizes


def _broken_run_transfers(
    holdings: Sequence[Holding],
    sizes_per_colour: dict[str, int],
    policy: ReportPolicy,
    offered: dict[tuple[str, str], int],
) -> list[Transfer]:
    held: dict[tuple[str, str], list[Holding]] = defaultdict(list)
    for holding in holdings:
        if holding.units > 0:
            held[(holding.location, holding.colour)].append(holding)
    run_length = {key: len(group) for key, group in held.items()}
    locations = sorted({h.location for h in holdings})
    by_position = {(h.sku, h.location): h for h in holdings}
    transfers = []
    for (location, colour), group in sorted(held.items()):
        sizes = sizes_per_colour.get(colour, 0)
        if not _is_broken(len(group), sizes, policy):
            continue
        runs = {
            other: run_length[(other, colour)]
            for other in locations
            if other != location
            and (other, colour) in run_length
            and not _is_broken(run_length[(other, colour)], sizes, policy)
        }
        for holding in sorted(group, key=lambda h: h.sku):
            taken = offered.get((holding.sku, location), 0)
            movable = holding.units - holding.keeps(policy) - taken
            target = _run_keeper(holding.sku, runs, by_position)
            if movable <= 0 or target is None:
                continue
            there = by_position.get((holding.sku, target))
            transfers.append(
                Transfer(
                    holding.sku,
                    location,
                    target,
                    movable,
                    "broken_size_run",
                    holding.cover,
                    None if there is None else there.cover,
                )
            )
    return transfers


def _run_keeper(
    sku: str, runs: dict[str, int], by_position: dict[tuple[str, str], Holding]
) -> str | None:
    """The store holding the most sizes of the run; then where the size sells best."""

    def preference(location: str) -> tuple[int, float, str]:
        there = by_position.get((sku, location))
        return (-runs[location], -(there.rate.per_day if there else 0.0), location)

    return min(runs, key=preference) if runs else None


def suggest_transfers(
    holdings: Sequence[Holding], sizes_per_colour: dict[str, int], policy: ReportPolicy
) -> list[Transfer]:
    """Transfers for one reference; ``sizes_per_colour`` counts the catalog's sizes of each
    colour (the full run), ``holdings`` are the stores' positions of its SKUs."""
    offered: dict[tuple[str, str], int] = {}
    sleeping = _sleeping_transfers(holdings, policy, offered)
    return sleeping + _broken_run_transfers(holdings, sizes_per_colour, policy, offered)
