"""The ledger's side of the job state machine: a step the contract's table does not allow is
refused with the job's current state and the steps it does allow (409).

The table itself, the final states and the lateness rule are the contract's
(``ordersync.contract.vocabulary``), so a store checks a step against the same table before it
queues it.
"""

from __future__ import annotations

from ordersync.contract import JobKind, JobStateName, allowed_next
from ordersync.domain.errors import InvalidState


def ensure_transition(kind: JobKind, current: JobStateName, target: JobStateName) -> None:
    """Refuse a transition the job's current state does not allow (409 with the current state)."""
    allowed = allowed_next(kind, current)
    if target not in allowed:
        raise InvalidState(
            f"a {kind.value} job that is {current.value} cannot become {target.value}",
            current_state=current.value,
            allowed=sorted(s.value for s in allowed),
        )
