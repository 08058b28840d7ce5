"""A browser's view of the head-office pages, over the app's TestClient: signing in with a
token, sending forms with their CSRF token, and reading the tables of a page back as rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
from fastapi.testclient import TestClient


@dataclass
class ParsedTable:
    rows: list[list[str]] = field(default_factory=list)
    stores: list[str | None] = field(default_factory=list)


class PageParser(HTMLParser):
    """The tables of a page (by id: heading row, then body rows as cell texts), its links and
    its hidden inputs (by name)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, ParsedTable] = {}
        self.links: list[tuple[str, str]] = []
        """(class, href) of every link."""
        self.hidden: dict[str, str] = {}
        self.images: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self._table: ParsedTable | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_empty = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "table":
            self._table = self.tables.setdefault(found.get("id", ""), ParsedTable())
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._row_empty = found.get("class") == "empty"
            if not self._row_empty:
                self._table.stores.append(found.get("data-store"))
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a":
            self.links.append((found.get("class", ""), found.get("href", "")))
        elif tag == "input" and found.get("type") == "hidden":
            self.hidden[found.get("name", "")] = found.get("value", "")
        elif tag == "img":
            self.images.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if not self._row_empty:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@dataclass
class HqBrowser:
    client: TestClient

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, follow_redirects=False)

    def page(self, path: str) -> PageParser:
        reply = self.get(path)
        assert reply.status_code == 200, (path, reply.status_code, reply.text[:500])
        return parse(reply.text)

    def sign_in(self, token: str, csrf: bool = True) -> httpx.Response:
        self.client.cookies.clear()
        form = self.page("/hq/sign-in")
        fields = {"token": token}
        if csrf:
            fields["csrf_token"] = form.hidden["csrf_token"]
        return self.client.post("/hq/sign-in", data=fields, follow_redirects=False)

    def signed_in(self, token: str) -> HqBrowser:
        reply = self.sign_in(token)
        assert reply.status_code == 303, reply.text
        return self

    def csrf_token(self) -> str:
        return self.page("/hq/").hidden["csrf_token"]

    def sign_out(self, csrf_token: str | None) -> httpx.Response:
        data = {} if csrf_token is None else {"csrf_token": csrf_token}
        return self.client.post("/hq/sign-out", data=data, follow_redirects=False)
