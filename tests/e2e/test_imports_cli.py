"""``ordersync locations|items|stock import`` as an operator runs them on the example files of
``examples/``, in a child process, on both backends: exit codes, summaries, bad lines, and a
ledger that ``ordersync check`` finds consistent afterwards."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from ordersync.cli.common import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from ordersync.db.engine import create_ledger_engine
from tests.support.ledger_server import CommandResult, assert_readable_failure, run_ordersync

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def ordersync(url: str, cwd: Path, *args: str) -> CommandResult:
    return run_ordersync("--database-url", url, *args, cwd=cwd)


def stock_of(url: str, location: str, sku: str) -> int:
    engine = create_ledger_engine(url, writer=False)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT on_hand FROM positions WHERE location = :l AND sku = :s"),
                    {"l": location, "s": sku},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_example_files_load_a_network_and_its_stock(e2e_database: str, tmp_path: Path) -> None:
    url = e2e_database
    assert ordersync(url, tmp_path, "init").returncode == EXIT_OK
    for family in ("locations", "items"):
        result = ordersync(url, tmp_path, family, "import", str(EXAMPLES / f"{family}.csv"))
        assert result.returncode == EXIT_OK, result.describe()
        assert "Traceback" not in result.stderr
    snapshot = ordersync(
        url, tmp_path, "stock", "import", str(EXAMPLES / "stock.csv"), "--format", "json"
    )
    assert snapshot.returncode == EXIT_OK, snapshot.describe()
    summary = json.loads(snapshot.stdout)
    assert (summary["bad"], summary["movements"]) == (0, summary["lines_read"])
    again = ordersync(url, tmp_path, "stock", "import", str(EXAMPLES / "stock.csv"))
    assert again.returncode == EXIT_OK, again.describe()
    assert "stock.csv was already imported on" in again.stdout
    delta = ordersync(
        url, tmp_path, "stock", "import", "--delta", str(EXAMPLES / "stock-delta.csv")
    )
    assert delta.returncode == EXIT_OK, delta.describe()
    assert stock_of(url, "PAR01", "LOUISE-NOI-85B") == 5
    assert stock_of(url, "WH1", "EMMA-ROU-80A") == 24
    check = ordersync(url, tmp_path, "check")
    assert check.returncode == EXIT_OK, check.describe()


def test_bad_lines_exit_1_with_their_numbers_and_a_bad_header_exits_2(
    e2e_database: str, tmp_path: Path
) -> None:
    url = e2e_database
    assert ordersync(url, tmp_path, "init").returncode == EXIT_OK
    bad = tmp_path / "bad.csv"
    rows = ["location,sku,on_hand", *(f"HQ,NOPE-{n},1" for n in range(25))]
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    result = ordersync(url, tmp_path, "stock", "import", str(bad), "--errors", str(errors))
    assert result.returncode == EXIT_FAILED, result.describe()
    assert "line 2: unknown SKU 'NOPE-0'" in result.stdout
    assert "line 21: unknown SKU 'NOPE-19'" in result.stdout
    assert "line 22:" not in result.stdout
    assert f"… and 5 more bad lines (all of them are in {errors})" in result.stdout
    with errors.open(encoding="utf-8") as stream:
        written = list(csv.reader(stream))
    assert written[0] == ["line", "reason"]
    assert [row[0] for row in written[1:]] == [str(n) for n in range(2, 27)]

    header = tmp_path / "header.csv"
    header.write_text("loc,sku\nHQ,S1\n", encoding="utf-8")
    refused = ordersync(url, tmp_path, "stock", "import", str(header))
    assert refused.returncode == EXIT_REFUSED, refused.describe()
    assert "unknown column(s) loc" in refused.stderr
    assert_readable_failure(refused)
