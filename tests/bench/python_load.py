"""A small, bounded Python load generator with wrk's interface, for the smoke test only: so the
harness's building blocks are checked on a machine without wrk. Never used to measure."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

import httpx
from bench.load import LoadResult, LoadSpec


class PythonLoad:
    name = "python"

    def run(self, base_url: str, spec: LoadSpec) -> LoadResult:
        clients = max(1, min(spec.connections, 4))
        deadline = time.monotonic() + spec.duration
        lock = threading.Lock()
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        sent = 0

        def one_client() -> None:
            nonlocal sent
            with httpx.Client(base_url=base_url, timeout=spec.timeout) as client:
                while time.monotonic() < deadline:
                    with lock:
                        if spec.max_requests and sent >= spec.max_requests:
                            return
                        sent += 1
                    key = random.choice(list(spec.keys)) if spec.keys else ""
                    path = spec.path.replace("{key}", key)
                    body = None
                    if spec.body is not None:
                        body = spec.body.replace("{op_id}", str(uuid.uuid4())).replace("{key}", key)
                    headers = dict(spec.headers)
                    if body is not None:
                        headers["Content-Type"] = "application/json"
                    began = time.perf_counter()
                    try:
                        reply = client.request(spec.method, path, content=body, headers=headers)
                    except httpx.HTTPError as error:
                        with lock:
                            errors[type(error).__name__] += 1
                        continue
                    with lock:
                        latencies.append(time.perf_counter() - began)
                        statuses[reply.status_code] += 1

        started = time.monotonic()
        threads = [threading.Thread(target=one_client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=spec.duration + spec.timeout + 5)
        elapsed = max(time.monotonic() - started, 1e-6)
        ordered = sorted(latencies) or [0.0]

        def percentile(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        return LoadResult(
            responses=len(latencies),
            elapsed_s=round(elapsed, 3),
            rps=round(len(latencies) / elapsed, 1),
            p50_ms=percentile(0.50),
            p90_ms=percentile(0.90),
            p99_ms=percentile(0.99),
            max_ms=round(ordered[-1] * 1000, 2),
            mean_ms=round(sum(ordered) / len(ordered) * 1000, 2),
            statuses=dict(statuses),
            errors={"connect": 0, "read": 0, "write": 0, "timeout": 0, **errors, "status": 0},
            generator=self.name,
        )
