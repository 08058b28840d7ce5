"""LedgerRuntime: what one ordersync process holds: settings, clock, engines, writer, caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from ordersync.clock import Clock, SystemClock
from ordersync.config import LedgerSettings
from ordersync.db.engine import create_ledger_engine
from ordersync.db.writer import GroupCommitWriter
from ordersync.services.routing_policy import PolicySource
from ordersync.services.tokens import TokenCache


@dataclass
class LedgerRuntime:
    settings: LedgerSettings
    clock: Clock
    write_engine: Engine
    read_engine: Engine
    writer: GroupCommitWriter
    tokens: TokenCache = field(init=False)
    policy: PolicySource = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.settings.token_cache_seconds)
        self.policy = PolicySource(self.settings.routing_policy)

    @classmethod
    def open(cls, settings: LedgerSettings, clock: Clock | None = None) -> LedgerRuntime:
        chosen_clock = clock or SystemClock()
        write_engine = create_ledger_engine(
            settings.database_url, writer=True, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        read_engine = create_ledger_engine(
            settings.database_url, writer=False, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        writer = GroupCommitWriter(write_engine, chosen_clock, settings.writer_max_batch)
        return cls(settings, chosen_clock, write_engine, read_engine, writer)

    def start(self) -> None:
        self.writer.start()

    def close(self) -> None:
        self.writer.stop()
        self.write_engine.dispose()
        self.read_engine.dispose()
