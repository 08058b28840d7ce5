"""The ``[[rule_sets]]`` of the routing policy file: read into rule sets, refused with an error
that names the rule set, the rule and the key, and, while the ledger runs, read again when the
file changes, an invalid file keeping the last valid policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordersync.contract import Channel, DeliveryKind, LocationKind
from ordersync.domain.rule_sets import Conditions, RuleSet
from ordersync.domain.rules import Competitive, Filters, Rule, SortKey
from ordersync.services.routing_policy import (
    PolicyError,
    PolicySource,
    default_policy_text,
    parse_policy,
)

CHAIN = """
include_warehouses = false
max_distance_km = 300.0

[[rule_sets]]
name = "web home"
[rule_sets.when]
channels = ["web"]
delivery = ["home"]
min_value_minor = 1000
max_value_minor = 500000
references = ["REF-2"]
regions = ["75", "2A", "974"]

[[rule_sets.rules]]
name = "paris stores"
groups = ["paris"]
min_units_left = 1
min_capacity_left = 2
split = false
promise_tolerance_days = 0

[[rule_sets.rules]]
name = "warehouses"
kinds = ["warehouse"]
sort = ["days_of_cover", "cost"]
distance_tolerance_km = 0
promise_tolerance_days = 5

[[rule_sets]]
name = "everything else"
[[rule_sets.rules]]
name = "as before"
"""


def test_rule_sets_are_read_in_order_with_the_top_level_keys_as_defaults() -> None:
    document = parse_policy(CHAIN, "routing.toml")
    web, rest = document.rule_sets
    assert web == RuleSet(
        "web home",
        Conditions(
            channels=frozenset({Channel.WEB}),
            delivery=frozenset({DeliveryKind.HOME}),
            min_value_minor=1000,
            max_value_minor=500_000,
            references=frozenset({"REF-2"}),
            regions=frozenset({"75", "2A", "974"}),
        ),
        (
            Rule(
                name="paris stores",
                filters=Filters(
                    kinds=frozenset({LocationKind.STORE}),
                    groups=frozenset({"paris"}),
                    max_distance_km=300.0,
                    min_units_left=1,
                    min_capacity_left=2,
                ),
                split=False,
                promise_tolerance_days=0,
            ),
            Rule(
                name="warehouses",
                filters=Filters(kinds=frozenset({LocationKind.WAREHOUSE}), max_distance_km=300.0),
                sort=(SortKey.DAYS_OF_COVER, SortKey.COST),
                distance_tolerance_km=0.0,
                promise_tolerance_days=5,
            ),
        ),
    )
    assert rest == RuleSet(
        "everything else",
        Conditions(),
        (
            Rule(
                name="as before",
                filters=Filters(kinds=frozenset({LocationKind.STORE}), max_distance_km=300.0),
            ),
        ),
    )


def test_a_competitive_rule_reads_its_offer_settings_and_defaults_the_ones_left_out() -> None:
    written = CHAIN.replace(
        "promise_tolerance_days = 0\n",
        "promise_tolerance_days = 0\n[rule_sets.rules.competitive]\noffer_to = 4\n"
        "claim_minutes = 20\n",
    ).replace(
        'sort = ["days_of_cover", "cost"]', 'sort = ["days_of_cover", "cost"]\ncompetitive = {}'
    )

    stores, warehouses = parse_policy(written, "routing.toml").rule_sets[0].rules

    assert stores.competitive == Competitive(offer_to=4, claim_minutes=20)
    assert warehouses.competitive == Competitive(offer_to=3, claim_minutes=15)
    # Without the table, a rule sends its lines to the one location it ranks first.
    assert parse_policy(CHAIN, "routing.toml").rule_sets[0].rules[0].competitive is None


def test_the_competitive_example_of_the_packaged_file_is_a_valid_rule_set() -> None:
    example = default_policy_text().split("# Competitive allocation:", 1)[1]
    written = "\n".join(
        line.removeprefix("# ")
        for line in example.split("# [[rule_sets]]", 1)[1].splitlines()
        if line.startswith("# ")
    )

    [rule_set] = parse_policy("[[rule_sets]]\n" + written, "example").rule_sets

    assert [(rule.name, rule.competitive) for rule in rule_set.rules] == [
        ("first store to claim", Competitive(offer_to=3, claim_minutes=15)),
        ("warehouses", None),
    ]


def _broken(edit: str) -> str:
    return CHAIN.replace("split = false", edit, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _broken("split = 1"),
            "rule set 'web home', rule 'paris stores': split must be true or false",
        ),
        (
            _broken("competitive = { stores = 3 }"),
            "rule set 'web home', rule 'paris stores': competitive: unknown setting 'stores'",
        ),
        (
            _broken("competitive = { offer_to = 1 }"),
            "rule set 'web home', rule 'paris stores': competitive: offer_to must be between "
            "2 and 20",
        ),
        (
            _broken("competitive = { offer_to = 21 }"),
            "rule set 'web home', rule 'paris stores': competitive: offer_to must be between "
            "2 and 20",
        ),
        (
            _broken("competitive = { offer_to = 2.5 }"),
            "rule set 'web home', rule 'paris stores': competitive: offer_to must be a whole "
            "number",
        ),
        (
            _broken("competitive = { claim_minutes = 0 }"),
            "rule set 'web home', rule 'paris stores': competitive: claim_minutes must be between "
            "1 and 1,440",
        ),
        (
            _broken('competitive = { claim_minutes = "10" }'),
            "rule set 'web home', rule 'paris stores': competitive: claim_minutes must be a number",
        ),
        (
            _broken("competitive = 3"),
            "rule set 'web home', rule 'paris stores': competitive is a table: write it as "
            "[rule_sets.rules.competitive]",
        ),
        (
            _broken('sort = ["distance", "price"]'),
            "rule set 'web home', rule 'paris stores': sort names 'price'; it may name",
        ),
        (
            _broken('sort = ["load", "load"]'),
            "rule set 'web home', rule 'paris stores': sort names 'load' twice",
        ),
        (
            _broken('kinds = ["shop"]'),
            "rule set 'web home', rule 'paris stores': kinds names 'shop'; it may name",
        ),
        (
            CHAIN.replace('groups = ["paris"]', 'groups = ["a,b"]'),
            "rule set 'web home', rule 'paris stores': groups names 'a,b'",
        ),
        (
            CHAIN.replace("promise_tolerance_days = 0", "promise_tolerance_days = 61"),
            "rule set 'web home', rule 'paris stores': promise_tolerance_days must be between "
            "0 and 60",
        ),
        (
            CHAIN.replace("min_units_left = 1", "min_units_left = 1.5"),
            "rule set 'web home', rule 'paris stores': min_units_left must be a whole number",
        ),
        (
            CHAIN.replace('name = "warehouses"', 'name = "paris stores"'),
            "rule set 'web home': rule 'paris stores' is named twice",
        ),
        (
            CHAIN.replace('name = "warehouses"', "name = 7"),
            "rule set 'web home', rule 2: name must be",
        ),
        (
            CHAIN.replace('regions = ["75", "2A", "974"]', 'regions = ["2C"]'),
            "rule set 'web home', when: regions names '2C'",
        ),
        (
            CHAIN.replace('channels = ["web"]', 'channel = ["web"]'),
            "rule set 'web home', when: unknown setting 'channel'",
        ),
        (
            CHAIN.replace("min_value_minor = 1000", "min_value_minor = 900000"),
            "rule set 'web home', when: min_value_minor is more than max_value_minor",
        ),
        (
            CHAIN.replace('name = "everything else"', 'name = "web home"'),
            "rule set 'web home' is named twice",
        ),
        (
            CHAIN.replace('name = "everything else"', "").replace(
                '[[rule_sets.rules]]\nname = "as before"', ""
            ),
            "rule set 2: name must be",
        ),
        (
            '[[rule_sets]]\nname = "empty"\n',
            "rule set 'empty': needs one or more rules",
        ),
        ('rule_sets = "all"\n', "rule_sets is an array of tables"),
    ],
)
def test_an_invalid_rule_set_is_refused_naming_the_rule_set_the_rule_and_the_key(
    text: str, message: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(text, "routing.toml")
    assert str(refused.value).startswith(f"routing.toml: {message}"), str(refused.value)


def test_rule_sets_are_read_again_and_an_invalid_file_keeps_the_last_valid_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(CHAIN)
    source = PolicySource(path)
    assert [r.name for r in source.current().rule_sets] == ["web home", "everything else"]

    path.write_text(CHAIN.replace('name = "everything else"', 'name = "the rest"'))
    assert [r.name for r in source.current().rule_sets] == ["web home", "the rest"]

    valid = source.current()
    path.write_text(_broken("competitive = true"))
    assert source.current() == valid

    path.write_text("distance_tolerance_km = 2.0\n")
    assert source.current().rule_sets == ()
