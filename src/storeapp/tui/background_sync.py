"""The store's sync as the terminal runs it: rounds in a background thread, or one round on demand.

``StoreApp`` runs ``BackgroundSync.run`` in a thread worker once it is mounted, ``sync_once`` in
another when asked to sync while no loop runs, and hands over ``post``, which delivers a message
to the app from any thread. Nothing here draws: what the user should know arrives as messages.

Promises:

- One process syncs a cache at a time (the sync worker's file lock decides). While another holds
  it, the loop says so once (a warning), looks again every ``LOCK_RETRY_SECONDS`` and says when it
  takes over; ``sync_once`` says so and does nothing.
- A failure the engine does not expect is shown as an error and the loop starts again after
  ``RESTART_DELAY_SECONDS``: it ends only when ``stop`` is called.
- ``stop`` cuts a round short; ``wait_finished`` lets the app wait, on its way out, until the
  thread has let go of the lock.
- Every report reaches the app as ``SyncReported``, stamped with the store's clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.sync.engine import SyncLockBusy, SyncReport, SyncWorker
from storeapp.tui.messages import Notice, SyncReported

LOCK_RETRY_SECONDS = 30.0
"""While another process syncs this cache, how often to check whether it has stopped."""
RESTART_DELAY_SECONDS = 10.0
"""After the sync worker failed unexpectedly, how long before it starts again."""

Post = Callable[[Notice | SyncReported], None]
"""Delivers a message to the app; callable from any thread."""


class BackgroundSync:
    """The sync loop of one app and its cache; ``run`` and ``sync_once`` block (call them in a
    thread), the other methods return at once."""

    def __init__(self, context: StoreContext, post: Post) -> None:
        self._context = context
        self._post = post
        self._stopping = threading.Event()
        self._worker: SyncWorker | None = None
        self._worker_lock = threading.Lock()
        self._finished = threading.Event()
        self._finished.set()  # no loop running

    def run(self) -> None:
        """Sync in rounds until ``stop``; wait politely while another process syncs."""
        # Cleared here, not when the thread is asked for: a thread that never started (the app
        # closed at once) must not make the app wait for it on the way out.
        self._finished.clear()
        try:
            self._rounds()
        finally:
            self._finished.set()

    def _rounds(self) -> None:
        announced = False
        while not self._stopping.is_set():
            worker = self._context.worker(on_report=self._report)
            try:
                worker.acquire()
            except SyncLockBusy:
                if not announced:
                    announced = True
                    self._post(
                        Notice(
                            _(
                                "Another storeapp on this terminal already syncs this store: "
                                "this window shows its results and does not sync itself."
                            ),
                            "warning",
                        )
                    )
                self._stopping.wait(LOCK_RETRY_SECONDS)
                continue
            if announced:
                announced = False
                self._post(
                    Notice(_("The other storeapp has stopped: this window syncs the store now."))
                )
            try:
                with self._worker_lock:
                    self._worker = worker
                if self._stopping.is_set():
                    break
                worker.run()
            except Exception as error:  # a bug or a refusal the engine does not expect
                self._post(
                    Notice(_("The sync stopped on an error: {reason}", reason=error), "error")
                )
                self._stopping.wait(RESTART_DELAY_SECONDS)
            finally:
                with self._worker_lock:
                    self._worker = None
                worker.release()

    def stop(self) -> None:
        """End the loop, cutting the current round short."""
        self._stopping.set()
        with self._worker_lock:
            if self._worker is not None:
                self._worker.stop()

    def wait_finished(self, timeout: float) -> bool:
        """Block until the loop has ended (True), or for ``timeout`` seconds (False)."""
        return self._finished.wait(timeout)

    def wake(self) -> bool:
        """Start the next round now; False when no loop runs in this process."""
        with self._worker_lock:
            if self._worker is None:
                return False
            self._worker.wake()
            return True

    def sync_once(self) -> None:
        """One round while no loop runs in this process, unless another process is syncing."""
        worker = self._context.worker()
        try:
            worker.acquire()
        except SyncLockBusy:
            self._post(
                Notice(
                    _("Another storeapp is syncing this store: it sends the waiting operations."),
                    "warning",
                )
            )
            return
        try:
            report = self._context.sync.sync_once()
        except Exception as error:
            report = SyncReport(online=False, error=str(error))
        finally:
            worker.release()
        self._report(report)

    def _report(self, report: SyncReport) -> None:
        self._post(SyncReported(report, self._context.now()))
