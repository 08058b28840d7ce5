"""The options of ``ordersync report``: argument types that refuse a bad value with a readable
message (argparse exits with status 2 before anything is read), and the options several reports
share, with the report policy they give."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ordersync.contract import CODE_PATTERN, SKU_PATTERN
from ordersync.domain.analytics.policy import ReportPolicy

LONGEST_CODE = 64


@dataclass(frozen=True)
class Option:
    """One command-line option of a report: ``argparse.add_argument(*flags, **settings)``."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)


def matching(pattern: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if len(text) > LONGEST_CODE or not compiled.match(text):
            raise argparse.ArgumentTypeError(f"not a valid {what}: {text!r}")
        return text

    return check


def bounded(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return check


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


location_code = matching(CODE_PATTERN, "location code")
reference_code = matching(SKU_PATTERN, "reference")

LOCATION = Option(("--location",), {"type": location_code, "required": True, "help": "e.g. PAR-01"})
ANY_LOCATION = Option(
    ("--location",),
    {"type": location_code, "help": "one location (default: the whole network)"},
)
REFERENCE = Option(
    ("--reference",), {"type": reference_code, "required": True, "help": "e.g. BRA-ELO"}
)


def days(default: int, what: str = "complete days before today") -> Option:
    return Option(
        ("--days",), {"type": bounded(1, 365), "default": default, "help": f"{what} ({default})"}
    )


def limit(default: int, high: int = 10_000) -> Option:
    return Option(
        ("--limit",), {"type": bounded(1, high), "default": default, "help": f"rows ({default})"}
    )


DEFAULT_POLICY = ReportPolicy()
POLICY = (
    Option(
        ("--rate-days",),
        {
            "type": bounded(1, 365),
            "help": f"days of sales the rate is taken over ({DEFAULT_POLICY.rate_days})",
        },
    ),
    Option(
        ("--lead-time-days",),
        {
            "type": bounded(0, 180),
            "help": f"days from order to shelf ({DEFAULT_POLICY.lead_time_days})",
        },
    ),
    Option(
        ("--review-days",),
        {"type": bounded(1, 180), "help": f"days between reviews ({DEFAULT_POLICY.review_days})"},
    ),
)
"""The policy options: each one left out keeps the default policy's value."""
SERVICE_LEVEL = Option(
    ("--service-level",),
    {
        "type": bounded(50, 99),
        "help": f"percent chance of not running out ({round(DEFAULT_POLICY.service_level * 100)})",
    },
)


def policy_of(args: argparse.Namespace) -> ReportPolicy:
    """The default policy with the values the ``POLICY`` (and ``SERVICE_LEVEL``) options gave."""
    level = getattr(args, "service_level", None)
    return DEFAULT_POLICY.with_values(
        rate_days=args.rate_days,
        lead_time_days=args.lead_time_days,
        review_days=args.review_days,
        service_level=None if level is None else level / 100,
    )
