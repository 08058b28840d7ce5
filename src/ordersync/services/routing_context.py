"""What routing needs to know about an order beyond its lines: the attributes that choose its rule
set, and, read only when a rule ranks by days of cover, the SKUs' recent daily sales.

A new order's attributes come from its command; an order routed again (a rejected line, units
that did not arrive) is read back from its stored row, so it follows the same rule set.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from ordersync.contract import Channel, DeliveryKind, OrderCreate
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.routing import Candidate, RoutingPolicy
from ordersync.domain.rule_sets import OrderProfile, RuleSet, choose, default_rule_set, region_of

SALES_WINDOW_DAYS = 28
"""Days of sales a daily rate is averaged over: four whole weeks, so every weekday counts the
same. A simple estimate on purpose: days of cover ranks locations against each other, it does
not forecast."""

DailySales = Callable[[list[str]], dict[str, dict[str, float]]]
"""Units sold per day over the last ``SALES_WINDOW_DAYS``, per location then SKU."""


@dataclass(frozen=True, slots=True)
class RoutingContext:
    order: OrderProfile
    daily_sales: DailySales


def rule_set_for(
    rule_sets: tuple[RuleSet, ...], policy: RoutingPolicy, context: RoutingContext | None
) -> tuple[RuleSet, bool]:
    """The rule set that routes the order, and whether it is one the file wrote (a decision by
    the default keeps the summary it had before rule sets)."""
    chosen = choose(rule_sets, None if context is None else context.order)
    return (default_rule_set(policy), False) if chosen is None else (chosen, True)


def with_daily_sales(
    candidates: list[Candidate], rule_set: RuleSet, context: RoutingContext | None
) -> list[Candidate]:
    """``candidates`` with their recent daily sales, when a rule of ``rule_set`` ranks by days of
    cover (read only then: it scans the last weeks of every location)."""
    if context is None or not rule_set.needs_cover or not candidates:
        return candidates
    skus = sorted({sku for c in candidates for sku in c.available})
    sales = context.daily_sales(skus)
    return [replace(c, daily_sales=sales.get(c.code, {})) for c in candidates]


def context_of_command(tx: LedgerTx, command: OrderCreate) -> RoutingContext:
    delivery = command.delivery
    postal_code = delivery.postal_code if delivery.country == "FR" else None
    profile = _profile(
        tx,
        command.channel,
        delivery.kind,
        [(line.sku, line.qty) for line in command.lines],
        postal_code,
    )
    return RoutingContext(profile, lambda skus: recent_daily_sales(tx, skus))


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a stored order goes, as routing it again needs it."""

    collect_at: str | None
    target: tuple[float, float] | None
    """The collection store's or the customer's coordinates (None: unknown)."""
    customer_name: str


def order_destination(tx: LedgerTx, order_id: str) -> Destination:
    order = tx.sql.first("SELECT delivery, customer FROM orders WHERE id = :id", {"id": order_id})
    assert order is not None
    delivery: dict[str, Any] = json.loads(order[0])
    customer = str(json.loads(order[1]).get("name", ""))
    collect_at = delivery.get("collect_at")
    if collect_at:
        place = tx.sql.first(
            "SELECT latitude, longitude FROM locations WHERE code = :code", {"code": collect_at}
        )
        target = None if place is None else (float(place[0]), float(place[1]))
        return Destination(str(collect_at), target, customer)
    return Destination(None, (float(delivery["latitude"]), float(delivery["longitude"])), customer)


def context_of_order(tx: LedgerTx, order_id: str) -> RoutingContext | None:
    """The context of a stored order (None when there is no such order)."""
    row = tx.sql.first("SELECT channel, delivery FROM orders WHERE id = :id", {"id": order_id})
    if row is None:
        return None
    delivery: dict[str, Any] = json.loads(row[1])
    lines = tx.sql.all(
        "SELECT sku, qty FROM order_lines WHERE order_id = :id ORDER BY line_no", {"id": order_id}
    )
    postal_code = delivery.get("postal_code") if delivery.get("country", "FR") == "FR" else None
    profile = _profile(
        tx,
        Channel(row[0]),
        DeliveryKind(delivery["kind"]),
        [(str(sku), int(qty)) for sku, qty in lines],
        postal_code,
    )
    return RoutingContext(profile, lambda skus: recent_daily_sales(tx, skus))


def _profile(
    tx: LedgerTx,
    channel: Channel,
    delivery: DeliveryKind,
    lines: list[tuple[str, int]],
    postal_code: str | None,
) -> OrderProfile:
    items = _items(tx, (sku for sku, _ in lines))
    value = sum(items[sku][1] * qty for sku, qty in lines if sku in items)
    return OrderProfile(
        channel=channel,
        delivery=delivery,
        value_minor=value,
        references=frozenset(reference for reference, _ in items.values()),
        region=region_of(postal_code),
    )


def _items(tx: LedgerTx, skus: Iterable[str]) -> dict[str, tuple[str, int]]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    marks = ",".join(f":s{i}" for i in range(len(wanted)))
    rows = tx.sql.all(
        f"SELECT sku, reference, price_minor FROM items WHERE sku IN ({marks})",
        {f"s{i}": sku for i, sku in enumerate(wanted)},
    )
    return {str(sku): (str(reference), int(price)) for sku, reference, price in rows}


def recent_daily_sales(tx: LedgerTx, skus: list[str]) -> dict[str, dict[str, float]]:
    """Units sold per day over the last ``SALES_WINDOW_DAYS`` days, per location then SKU (the
    days are each location's own; the window starts from today's date in UTC)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    since = (tx.now.date() - timedelta(days=SALES_WINDOW_DAYS)).isoformat()
    marks = ",".join(f":s{i}" for i in range(len(wanted)))
    rows = tx.sql.all(
        "SELECT location, sku, SUM(sold_units) FROM position_days "
        f"WHERE sku IN ({marks}) AND day > :since GROUP BY location, sku",
        {"since": since, **{f"s{i}": sku for i, sku in enumerate(wanted)}},
    )
    sales: dict[str, dict[str, float]] = {}
    for location, sku, sold in rows:
        if sold:
            sales.setdefault(str(location), {})[str(sku)] = int(sold) / SALES_WINDOW_DAYS
    return sales
