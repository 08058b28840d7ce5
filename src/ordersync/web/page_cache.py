"""Report pages kept for as long as the ledger has not changed.

The stock and touchpoints pages read every store's reports: seconds at hundreds of stores. The
page, its chart images and its CSV downloads arrive as separate requests for the same figures,
so a built page is kept under a key of everything it depends on: the page, whose view it is
(the network or one store), the change feed's head (any committed change moves it) and the hour
(the reports' windows move with the day; an hour is finer than any store's midnight). A key
that matches gives the very figures a fresh build would.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from ordersync.web.page_data import PageData

CACHED_PAGES = 64

PageKey = tuple[str, str, int, datetime]


def page_key(page: str, scope: str, feed_head: int, now: datetime) -> PageKey:
    return (page, scope, feed_head, now.replace(minute=0, second=0, microsecond=0))


class PageCache:
    def __init__(self, size: int = CACHED_PAGES) -> None:
        self._size = size
        self._pages: OrderedDict[PageKey, PageData] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey, build: Callable[[], PageData]) -> PageData:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        # Built outside the lock: two requests may build the same page once each, but no
        # request waits behind another page's build.
        built = build()
        with self._lock:
            self._pages[key] = built
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)
        return built
