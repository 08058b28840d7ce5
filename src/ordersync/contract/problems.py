"""Problem documents (RFC 9457): every error the ledger answers, with a stable ``type``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:ordersync:problem:"


class Problem(BaseModel):
    """An RFC 9457 problem document; extra members carry the specifics (sku, requested, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
