"""LedgerClient: the store's HTTP client of the ledger, with every failure sorted into two kinds.

``LedgerUnavailable``: no definite answer (network down, timeout, 5xx, a reply that is not what
the contract says); the caller may try again later. ``LedgerRefused``: a definite 4xx refusal
with its problem document.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ordersync.contract import (
    API_PREFIX,
    PERSON_HEADER,
    Job,
    JobStateName,
    OperationsResult,
    Order,
    OrderCreate,
    ReferenceAvailability,
    RoutingRecord,
    SkuAvailability,
    Whoami,
)
from storeapp.cache.feed_apply import FEED_PAGE, FeedPage

M = TypeVar("M", bound=BaseModel)
_JOBS = TypeAdapter(list[Job])
_ROUTING = TypeAdapter(list[RoutingRecord])
_RETRYABLE_STATUS = {408, 425, 429}


class LedgerUnavailable(Exception):
    """No definite answer: try again later."""


class LedgerRefused(Exception):
    """A definite refusal (4xx) with the ledger's problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(problem.get("detail") or problem.get("title") or f"HTTP {status}")


class LedgerUnauthorized(LedgerRefused):
    """The device token is missing, unknown or revoked: nothing will pass until it is fixed."""


class LedgerClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "storeapp"},
            timeout=timeout,
            transport=transport,
        )
        self._feed_lock = threading.Lock()
        self._ahead: tuple[tuple[int, int], Future[FeedPage]] | None = None
        self._reader: ThreadPoolExecutor | None = None

    def close(self) -> None:
        with self._feed_lock:
            self._drop_ahead()
            if self._reader is not None:
                self._reader.shutdown(wait=True, cancel_futures=True)
                self._reader = None
        self._client.close()

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            kwargs: dict[str, Any] = {"json": json_body, "params": params, "headers": headers}
            if timeout is not None:
                kwargs["timeout"] = timeout
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise LedgerUnavailable(
                f"the ledger did not answer in time ({type(error).__name__})"
            ) from error
        except httpx.HTTPError as error:
            raise LedgerUnavailable(f"cannot reach the ledger: {error}") from error
        status = response.status_code
        if status >= 500 or status in _RETRYABLE_STATUS:
            raise LedgerUnavailable(f"the ledger answered HTTP {status}")
        if status >= 400:
            problem = _problem_of(response)
            if status == 401:
                raise LedgerUnauthorized(status, problem)
            raise LedgerRefused(status, problem)
        return response

    @staticmethod
    def _parse(response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise LedgerUnavailable(
                f"the ledger's reply to {response.request.url.path} is not understood"
            ) from error

    def whoami(self) -> Whoami:
        return self._parse(self._request("GET", "/me"), Whoami)

    def changes(self, since: int, limit: int) -> FeedPage:
        """A page of the change feed (``ordersync.contract.ChangePage`` on the wire), read
        without the contract's per-item checks the ledger already made (see ``FeedPage``).

        When the page says more follow, the next one is asked for at once on a background
        thread, so the ledger serves it while the caller writes this one into the cache (a
        bootstrap is 125 pages of 5,000 changes). Asking for that next page then takes the
        answer already on its way: the same reply, or the same error, as asking then. Asking
        for any other page drops it.
        """
        with self._feed_lock:
            ahead, self._ahead = self._ahead, None
            if ahead is not None and ahead[0] == (since, limit):
                page = ahead[1].result()
            else:
                if ahead is not None:
                    ahead[1].cancel()
                page = self._fetch_changes(since, limit)
            if page.has_more and not page.reset and page.next_since > since:
                if self._reader is None:
                    self._reader = ThreadPoolExecutor(1, thread_name_prefix="feed-read-ahead")
                future = self._reader.submit(self._fetch_changes, page.next_since, limit)
                self._ahead = ((page.next_since, limit), future)
            return page

    def _fetch_changes(self, since: int, limit: int) -> FeedPage:
        response = self._request("GET", "/changes", params={"since": since, "limit": limit})
        return self._parse_feed(response)

    def _drop_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None

    @staticmethod
    def _parse_feed(response: httpx.Response) -> FeedPage:
        return _parse_with(response, FEED_PAGE)

    def push(self, payloads: list[dict[str, Any]]) -> OperationsResult:
        response = self._request("POST", "/ops", json_body={"ops": payloads})
        result = self._parse(response, OperationsResult)
        if len(result.results) != len(payloads):
            raise LedgerUnavailable("the ledger answered a different number of operations")
        return result

    def sku_availability(self, sku: str, timeout: float | None = None) -> SkuAvailability:
        response = self._request("GET", f"/availability/skus/{sku}", timeout=timeout)
        return self._parse(response, SkuAvailability)

    def reference_availability(
        self, reference: str, timeout: float | None = None
    ) -> ReferenceAvailability:
        response = self._request("GET", f"/availability/references/{reference}", timeout=timeout)
        return self._parse(response, ReferenceAvailability)

    # --- Orders and jobs (live reads; job transitions travel through the outbox) -------------

    def place_order(self, order: OrderCreate) -> Order:
        """POST /orders; the same ``op_id`` sent again returns the first outcome."""
        # A PlaceOrderOp from the outbox is sent as the plain order (same id, same fingerprint).
        body = order.model_dump(mode="json", exclude={"op", "person"})
        person = getattr(order, "person", None)
        response = self._request("POST", "/orders", json_body=body, headers=_person_header(person))
        return self._parse(response, Order)

    def get_order(self, order_id: uuid.UUID | str) -> Order:
        return self._parse(self._request("GET", f"/orders/{order_id}"), Order)

    def routing(self, order_id: uuid.UUID | str) -> list[RoutingRecord]:
        """Every routing decision of an order, oldest first."""
        response = self._request("GET", f"/orders/{order_id}/routing")
        return _parse_list(response, _ROUTING)

    def jobs(
        self, location: str | None = None, states: Sequence[JobStateName] | None = None
    ) -> list[Job]:
        """A location's jobs (this device's store by default), oldest due first."""
        params: dict[str, Any] = {}
        if location is not None:
            params["location"] = location
        if states:
            params["state"] = [state.value for state in states]
        return _parse_list(self._request("GET", "/jobs", params=params), _JOBS)

    def get_job(self, job_id: uuid.UUID | str) -> Job:
        return self._parse(self._request("GET", f"/jobs/{job_id}"), Job)

    # --- Devices, the manager's day, counts and reports (the caller names the reply's model) ---

    def heartbeat(self, beat: BaseModel, timeout: float | None = None) -> None:
        """POST /devices/heartbeat (a ``DeviceHeartbeat``): this device is alive, what waits."""
        body = beat.model_dump(mode="json")
        self._request("POST", "/devices/heartbeat", json_body=body, timeout=timeout)

    def read(
        self,
        path: str,
        model: type[M],
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> M:
        """GET ``path`` and parse the reply as ``model`` (the day's queue, reports)."""
        return self._parse(self._request("GET", path, params=params, timeout=timeout), model)

    def read_list(
        self, path: str, adapter: TypeAdapter[list[T]], params: dict[str, Any] | None = None
    ) -> list[T]:
        return _parse_list(self._request("GET", path, params=params), adapter)

    def write(self, path: str, body: BaseModel, model: type[M], *, person: str | None = None) -> M:
        """POST ``body`` to ``path`` and parse the reply as ``model``; ``person`` is the staff
        code of who asked (their PIN was checked on this terminal)."""
        response = self._request(
            "POST", path, json_body=body.model_dump(mode="json"), headers=_person_header(person)
        )
        return self._parse(response, model)


T = TypeVar("T")


def _person_header(person: str | None) -> dict[str, str] | None:
    """The header naming the person behind a single-operation request (pushed operations name
    theirs in the body)."""
    return None if person is None else {PERSON_HEADER: person}


def _parse_list(response: httpx.Response, adapter: TypeAdapter[list[T]]) -> list[T]:
    return _parse_with(response, adapter)


def _parse_with(response: httpx.Response, adapter: TypeAdapter[T]) -> T:
    try:
        return adapter.validate_json(response.content)
    except ValidationError as error:
        raise LedgerUnavailable(
            f"the ledger's reply to {response.request.url.path} is not understood"
        ) from error


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and "status" in body:
        return body
    return {
        "type": "about:blank",
        "title": response.reason_phrase or "Refused",
        "status": response.status_code,
        "detail": response.text[:300],
    }
