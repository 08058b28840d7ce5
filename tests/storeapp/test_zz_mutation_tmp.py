import os
import pytest
from sqlalchemy import text
from storeapp.sync import engine as sync_engine
from storeapp.cache import outbox
from tests.storeapp.test_sync_faults import (  # noqa
    rig,
    test_a_reply_lost_after_the_ledger_committed_is_applied_exactly_once as test_lost,
    test_a_feed_reply_slower_than_the_timeout_keeps_what_was_pushed as test_slowfeed,
    test_a_request_that_never_reached_the_ledger_leaves_the_entry_pending as test_never,
)
from tests.storeapp.test_sync_engine import (  # noqa
    stores,
    test_downloaded_data_never_overwrites_the_effect_of_unsent_sales as test_overwrite,
    test_full_rebootstrap_keeps_the_outbox as test_reboot,
)

MUT = os.environ.get("MUT")

@pytest.fixture(autouse=True)
def mutate(monkeypatch):
    if MUT == "pull_after_failed_push":
        orig = sync_engine.SyncEngine.push
        def push(self, report):
            try:
                orig(self, report)
            except sync_engine.LedgerUnavailable:
                pass
        monkeypatch.setattr(sync_engine.SyncEngine, "push", push)
    if MUT == "accept_without_positions":
        orig_accept = outbox.accept
        monkeypatch.setattr(outbox, "accept", lambda e, i, p, n: orig_accept(e, i, [], n))
    if MUT == "no_note_failure":
        monkeypatch.setattr(outbox, "note_failure", lambda *a: None)
    if MUT == "reset_drops_outbox":
        orig_reset = sync_engine.reset_view
        def reset(engine):
            orig_reset(engine)
            with engine.begin() as c:
                c.execute(text("DELETE FROM outbox_effects"))
        monkeypatch.setattr(sync_engine, "reset_view", reset)
