"""Faults at the HTTP boundary: an httpx transport between a store (or the web shop) and the ledger.

``FaultTransport`` wraps the real transport. For every request it asks the switchboard (the
harness) what happens to it, all decided by the seed: the request is lost before the ledger; the
ledger commits and the reply is lost; the request arrives twice; it is held and delivered later,
after newer requests (a reordered delivery); the reply is slow (in time, or past the store's
timeout); the ledger is SIGKILLed inside the request or right after it committed; or the store
itself dies after sending or after the ledger committed. A fault may also be aimed at the push
carrying one operation (``targeted_fault``: the counter's ``COUNTER_PUSH_FAULTS`` and its
``<kind>.after_send`` crash, a takeover's ``TAKEOVER_PUSH_FAULTS`` and a claim's
``CLAIM_PUSH_FAULTS``), counted under its own name. Every reply the ledger really gives,
delivered or not, goes to the switchboard, which feeds the oracle. (Crashes inside a local
action, at the named points of ``store``, are the harness's; they are counted here under
``STORE_CRASHES``.)

``FAULT_CLASSES`` are the names counted in the figures; each must happen in the CI seeds, except
that a counter point (``COUNTER_POINTS``) must happen for one kind of action at least, and a
takeover's points (``FULFILMENT_FAULT_CLASSES``) and a claim's (``OFFER_FAULT_CLASSES``) in
the soak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, Protocol

import httpx

from tests.simulation.store import (
    AFTER_LEDGER_COMMIT,
    AFTER_LOCAL_COMMIT,
    AFTER_SEND,
    COUNTER_CRASH_POINTS,
    COUNTER_CRASHES,
    COUNTER_KINDS,
    CRASH_POINTS,
    MOTION_CRASH_POINTS,
    SimulatedCrash,
)

REQUEST_DROPPED = "request_dropped"
REPLY_DROPPED = "reply_dropped_after_commit"
DUPLICATED = "duplicated"
REORDERED = "reordered"
SLOW_REPLY = "slow_reply"
SLOW_TIMEOUT = "slow_reply_past_timeout"
LEDGER_KILLED_IDLE = "ledger_sigkill_idle"
LEDGER_KILLED_MID_REQUEST = "ledger_sigkill_mid_request"
LEDGER_KILLED_AFTER_COMMIT = "ledger_sigkill_after_commit"
STORE_PROCESS_KILLED = "store_process_sigkill"
CLOCK_SKEW = "store_clock_hours_off"
DISK_FULL = "store_disk_full"
OFFLINE = "store_offline"
NETWORK_FAULTS = (REQUEST_DROPPED, REPLY_DROPPED, DUPLICATED, REORDERED, SLOW_REPLY, SLOW_TIMEOUT)
_PUSH_FAULTS = {
    "request_lost": REQUEST_DROPPED,
    "reply_lost": REPLY_DROPPED,
    "duplicated": DUPLICATED,
}
COUNTER_PUSH_FAULTS = tuple(f"{kind}.{what}" for kind in COUNTER_KINDS for what in _PUSH_FAULTS)
"""The push carrying a counter operation (``<kind>.<what>``) meets that network fault."""
COUNTER_POINTS = (*COUNTER_CRASHES, *_PUSH_FAULTS)
"""Where a counter action fails, whatever its kind: ``<kind>.<point>`` is counted."""
COUNTER_FAULT_CLASSES = (
    *(f"store_crash_{point}" for point in COUNTER_CRASH_POINTS),
    *COUNTER_PUSH_FAULTS,
)
TAKEOVER_CRASH_POINTS = tuple(f"takeover.{when}" for when in COUNTER_CRASHES)
TAKEOVER_PUSH_FAULTS = tuple(f"takeover.{what}" for what in _PUSH_FAULTS)
"""A manager's takeover (``fulfilment``) fails at the counter's six points: ``takeover.<point>``."""
LEDGER_KILLED_MID_SWEEP = "ledger_sigkill_mid_sweep"
"""The ledger dies inside its no-show sweep (``fulfilment``): the sweep runs again after."""
FULFILMENT_FAULT_CLASSES = (
    *(f"store_crash_{point}" for point in TAKEOVER_CRASH_POINTS),
    *TAKEOVER_PUSH_FAULTS,
    LEDGER_KILLED_MID_SWEEP,
)
CLAIM_CRASH_POINTS = tuple(f"claim.{when}" for when in COUNTER_CRASHES)
CLAIM_PUSH_FAULTS = tuple(f"claim.{what}" for what in _PUSH_FAULTS)
"""A store's claim of an offer (``offers``) fails at the counter's six points: ``claim.<point>``."""
LEDGER_KILLED_MID_OFFER_SWEEP = "ledger_sigkill_mid_offer_sweep"
"""The ledger dies inside its sweep of offers nobody claimed (``offers``): it runs again after."""
OFFER_FAULT_CLASSES = (
    *(f"store_crash_{point}" for point in CLAIM_CRASH_POINTS),
    *CLAIM_PUSH_FAULTS,
    LEDGER_KILLED_MID_OFFER_SWEEP,
)
LEDGER_KILLS = (LEDGER_KILLED_IDLE, LEDGER_KILLED_MID_REQUEST, LEDGER_KILLED_AFTER_COMMIT)
STORE_CRASHES = tuple(
    f"store_crash_{point}"
    for point in (
        *CRASH_POINTS,
        *MOTION_CRASH_POINTS,
        *COUNTER_CRASH_POINTS,
        *TAKEOVER_CRASH_POINTS,
        *CLAIM_CRASH_POINTS,
    )
)
FAULT_CLASSES = (
    *NETWORK_FAULTS,
    *COUNTER_PUSH_FAULTS,
    *TAKEOVER_PUSH_FAULTS,
    *CLAIM_PUSH_FAULTS,
    *LEDGER_KILLS,
    LEDGER_KILLED_MID_SWEEP,
    LEDGER_KILLED_MID_OFFER_SWEEP,
    *STORE_CRASHES,
    STORE_PROCESS_KILLED,
    CLOCK_SKEW,
    DISK_FULL,
    OFFLINE,
)

STORE_TIMEOUT_SECONDS = 5.0
"""The store's request timeout as simulated: a slower reply is a timeout."""


def crash_class(point: str) -> str:
    return f"store_crash_{point}"


def network_kind(fault: str | None) -> str | None:
    """What the transport does for a fault: a counter push fault is a network fault's twin."""
    if fault is None:
        return None
    return _PUSH_FAULTS.get(fault.rpartition(".")[2], fault)


@dataclass(frozen=True)
class Sent:
    """A request as it left the store: enough to deliver it again, later or twice."""

    owner: str
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]
    content: bytes

    @classmethod
    def of(cls, owner: str, request: httpx.Request) -> Sent:
        return cls(owner, request.method, str(request.url), request.headers.raw, request.read())

    @property
    def mutation(self) -> bool:
        """An operation for the ledger (a push, an order, an announced delivery), as opposed
        to a read or a heartbeat."""
        return self.method == "POST" and self.url.endswith(("/ops", "/orders", "/deliveries"))

    def build(self) -> httpx.Request:
        return httpx.Request(self.method, self.url, headers=self.headers, content=self.content)


class Switchboard(Protocol):
    """What the transport asks the harness."""

    def ledger_up(self) -> bool: ...

    def crash_point(self, owner: str) -> str | None: ...

    def disarm(self, owner: str) -> None: ...

    def take_ledger_kill(self, sent: Sent) -> str | None: ...

    def targeted_fault(self, sent: Sent) -> str | None: ...

    def kill_ledger(self, kind: str, while_sending: Callable[[], None] | None = None) -> None: ...

    def network_fault(self, sent: Sent) -> str | None: ...

    def slow_delay(self) -> float: ...

    def delay_store(self, owner: str, seconds: float) -> None: ...

    def hold(self, sent: Sent, in_flight: bool) -> None: ...

    def observe(self, sent: Sent, response: httpx.Response) -> None: ...

    def replied(self, owner: str, sent: Sent) -> None: ...

    def count(self, fault: str) -> None: ...

    def real_transport(self, owner: str) -> httpx.BaseTransport: ...


def _lost(message: str, request: httpx.Request, kind: type[httpx.TransportError]) -> NoReturn:
    raise kind(message, request=request)


class FaultTransport(httpx.BaseTransport):
    """The store's (or web shop's) transport to the ledger, with the seed's faults in between."""

    def __init__(self, owner: str, board: Switchboard, online: Callable[[], bool]) -> None:
        self.owner = owner
        self._board = board
        self._online = online

    def forward(self, sent: Sent) -> httpx.Response:
        """Deliver to the real ledger; the reply goes to the oracle whatever happens next."""
        response = self._board.real_transport(self.owner).handle_request(sent.build())
        try:
            content = response.read()
        finally:
            response.close()
        reply = httpx.Response(
            response.status_code, headers=response.headers, content=content, request=sent.build()
        )
        self._board.observe(sent, reply)
        return reply

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        board = self._board
        sent = Sent.of(self.owner, request)
        if not self._online():
            _lost("the store is offline", request, httpx.ConnectError)
        if not board.ledger_up():
            _lost("connection refused: the ledger is down", request, httpx.ConnectError)
        point = board.crash_point(self.owner)
        if point == AFTER_LOCAL_COMMIT:
            board.disarm(self.owner)
            raise SimulatedCrash(point)
        if sent.mutation and point == AFTER_SEND:
            board.disarm(self.owner)
            board.hold(sent, in_flight=True)
            raise SimulatedCrash(point)
        if sent.mutation and point == AFTER_LEDGER_COMMIT:
            board.disarm(self.owner)
            self.forward(sent)
            raise SimulatedCrash(point)
        kill = board.take_ledger_kill(sent)
        if kill == LEDGER_KILLED_MID_REQUEST:
            board.kill_ledger(kill, while_sending=lambda: self._send_into_kill(sent))
            _lost("server disconnected without a reply", request, httpx.RemoteProtocolError)
        if kill == LEDGER_KILLED_AFTER_COMMIT:
            self.forward(sent)
            board.kill_ledger(kill)
            _lost("server disconnected without a reply", request, httpx.RemoteProtocolError)
        fault = board.targeted_fault(sent) or board.network_fault(sent)
        if fault is not None and fault.endswith(f".{AFTER_SEND}"):
            board.hold(sent, in_flight=True)
            raise SimulatedCrash(fault)
        kind = network_kind(fault)
        if kind == REQUEST_DROPPED:
            board.count(str(fault))
            _lost("the request was lost on the way", request, httpx.ConnectTimeout)
        if kind == REPLY_DROPPED:
            self.forward(sent)
            board.count(str(fault))
            _lost("the reply was lost on the way", request, httpx.ReadTimeout)
        if kind == DUPLICATED:
            self.forward(sent)
            board.count(str(fault))
            return self.forward(sent)
        if fault == REORDERED:
            board.hold(sent, in_flight=False)
            _lost("no reply yet (the request is held in the network)", request, httpx.ReadTimeout)
        if fault == SLOW_REPLY:
            delay = board.slow_delay()
            reply = self.forward(sent)
            if delay > STORE_TIMEOUT_SECONDS:
                board.count(SLOW_TIMEOUT)
                board.delay_store(self.owner, STORE_TIMEOUT_SECONDS)
                _lost("the ledger did not answer in time", request, httpx.ReadTimeout)
            board.count(SLOW_REPLY)
            board.delay_store(self.owner, delay)
            board.replied(self.owner, sent)
            return reply
        reply = self.forward(sent)
        board.replied(self.owner, sent)
        return reply

    def _send_into_kill(self, sent: Sent) -> None:
        """Send while the ledger is held and about to die; no reply can come back."""
        try:
            self._board.real_transport(self.owner).handle_request(sent.build()).close()
        except httpx.TransportError:
            return
