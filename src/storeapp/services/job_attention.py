"""Job actions the ledger refused for good (a transition, a short pick, a takeover), as the pick
& pack screens list them under "needs attention": each with where the ledger says the job stands
now. They stay until staff dismiss them (``outbox.dismiss``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from storeapp.cache import outbox

JOB_OPERATIONS = ("job_transition", "reject_line", "take_over_job")


@dataclass(frozen=True, slots=True)
class JobAttention:
    """A job action the ledger refused; stays until dismissed (``outbox.dismiss``)."""

    entry_id: int
    op_id: str
    job_id: str
    action: str
    """The target state of a transition, ``reject`` for a short pick, ``take_over``."""
    line_no: int | None
    current_state: str | None
    """Where the ledger says the job (or line) stands now."""
    problem_type: str
    detail: str
    created_at: datetime
    summary: str
    problem: dict[str, Any] = field(default_factory=dict)


def job_attention(engine: Engine) -> list[JobAttention]:
    """Job actions the ledger refused and nobody dismissed yet, oldest first."""
    found = []
    for entry in outbox.needing_attention(engine):
        if entry.kind not in JOB_OPERATIONS:
            continue
        problem = entry.problem or {}
        payload = entry.payload
        found.append(
            JobAttention(
                entry_id=entry.id,
                op_id=entry.op_id,
                job_id=str(payload.get("job_id", "")),
                action=(
                    "take_over"
                    if entry.kind == "take_over_job"
                    else str(payload.get("to", "reject"))
                ),
                line_no=payload.get("line_no"),
                current_state=problem.get("current_state"),
                problem_type=str(problem.get("type", "")),
                detail=str(problem.get("detail") or problem.get("title") or ""),
                created_at=entry.created_at,
                summary=entry.summary,
                problem=problem,
            )
        )
    return found
