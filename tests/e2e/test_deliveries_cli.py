"""``ordersync suppliers`` and ``ordersync deliveries import`` as an operator runs them, on the
example network of ``examples/``, in a child process, on both backends: exit codes, summaries,
bad lines, a refused file, the same file twice, and ``ordersync check`` before and after a
tampered incoming row."""

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
HEADER = "reference,kind,source_kind,source,destination,expected_from,expected_until,sku,gtin,qty"


def ordersync(url: str, cwd: Path, *args: str) -> CommandResult:
    return run_ordersync("--database-url", url, *args, cwd=cwd)


def on_order(url: str) -> dict[tuple[str, str], int]:
    engine = create_ledger_engine(url, writer=False)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT location, sku, on_order FROM incoming WHERE on_order <> 0")
            ).all()
    finally:
        engine.dispose()
    return {(location, sku): int(units) for location, sku, units in rows}


def tamper(url: str) -> None:
    engine = create_ledger_engine(url, writer=True)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE incoming SET on_order = on_order + 1 "
                    "WHERE location = 'PAR01' AND sku = 'LOUISE-NOI-85B'"
                )
            )
    finally:
        engine.dispose()


def network(url: str, cwd: Path) -> None:
    assert ordersync(url, cwd, "init").returncode == EXIT_OK
    for family in ("locations", "items"):
        result = ordersync(url, cwd, family, "import", str(EXAMPLES / f"{family}.csv"))
        assert result.returncode == EXIT_OK, result.describe()


def test_the_example_deliveries_import_once_and_check_finds_them_consistent(
    e2e_database: str, tmp_path: Path
) -> None:
    url = e2e_database
    network(url, tmp_path)
    example = str(EXAMPLES / "deliveries.csv")
    without_supplier = ordersync(url, tmp_path, "deliveries", "import", example)
    assert without_supplier.returncode == EXIT_FAILED, without_supplier.describe()
    assert "line 2: unknown supplier 'LISE-CHARMEL'" in without_supplier.stdout
    assert on_order(url) == {("BDX01", "LOUISE-IVO-85B"): 4, ("BDX01", "LOUISE-SLIP-NOI-38"): 6}

    copy = tmp_path / "deliveries-again.csv"
    copy.write_text((EXAMPLES / "deliveries.csv").read_text(encoding="utf-8") + "\n")
    supplier = ordersync(url, tmp_path, "suppliers", "add", "LISE-CHARMEL", "--name", "Lise")
    assert supplier.returncode == EXIT_OK, supplier.describe()
    imported = ordersync(url, tmp_path, "deliveries", "import", str(copy), "--format", "json")
    assert imported.returncode == EXIT_OK, imported.describe()
    summary = json.loads(imported.stdout)
    assert (summary["lines_read"], summary["applied"], summary["unchanged"], summary["bad"]) == (
        7,
        5,
        2,
        0,
    )
    assert on_order(url)[("PAR01", "LOUISE-NOI-90B")] == 6
    again = ordersync(url, tmp_path, "deliveries", "import", str(copy))
    assert again.returncode == EXIT_OK, again.describe()
    assert "deliveries-again.csv was already imported on" in again.stdout

    check = ordersync(url, tmp_path, "check")
    assert check.returncode == EXIT_OK, check.describe()
    assert "the incoming units of 7 positions" in check.stdout
    tamper(url)
    tampered = ordersync(url, tmp_path, "check")
    assert tampered.returncode == EXIT_FAILED, tampered.describe()
    assert (
        "PAR01 SKU LOUISE-NOI-85B: on order 13 recorded, its open documents add up to 12"
        in tampered.stderr
    )


def test_suppliers_then_bad_lines_exit_1_and_a_refused_file_exits_2(
    e2e_database: str, tmp_path: Path
) -> None:
    url = e2e_database
    network(url, tmp_path)
    added = ordersync(url, tmp_path, "suppliers", "add", "LISE-CHARMEL", "--name", "Lise Charmel")
    assert added.returncode == EXIT_OK, added.describe()
    assert "supplier LISE-CHARMEL (Lise Charmel) saved" in added.stdout
    listed = ordersync(url, tmp_path, "suppliers", "list", "--format", "json")
    assert listed.returncode == EXIT_OK, listed.describe()
    assert [(s["code"], s["name"]) for s in json.loads(listed.stdout)] == [
        ("LISE-CHARMEL", "Lise Charmel")
    ]
    wrong = ordersync(url, tmp_path, "suppliers", "add", "lise charmel", "--name", "x")
    assert wrong.returncode == EXIT_REFUSED
    assert "not a valid supplier code" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join(
            [
                HEADER,
                "PO-1,,supplier,LISE-CHARMEL,PAR01,2026-03-11,2026-03-12,LOUISE-NOI-85B,,2",
                "PO-1,,supplier,LISE-CHARMEL,PAR01,2026-03-11,2026-03-12,,3760123000018,2",
                "PO-2,,supplier,LISE-CHARMEL,LYO01,2026-03-11,2026-03-12,EMMA-ROU-85B,,1",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    errors = tmp_path / "errors.csv"
    result = ordersync(url, tmp_path, "deliveries", "import", str(bad), "--errors", str(errors))
    assert result.returncode == EXIT_FAILED, result.describe()
    assert "line 3: gtin 3760123000018 is not valid: check digit should be 7" in result.stdout
    assert "line 2: left out with delivery PO-1 from LISE-CHARMEL: line 3 is bad" in result.stdout
    with errors.open(encoding="utf-8") as stream:
        assert [row[0] for row in csv.reader(stream)] == ["line", "2", "3"]
    assert on_order(url) == {("LYO01", "EMMA-ROU-85B"): 1}

    header = tmp_path / "header.csv"
    header.write_text(HEADER.replace(",qty", "") + "\n", encoding="utf-8")
    refused = ordersync(url, tmp_path, "deliveries", "import", str(header))
    assert refused.returncode == EXIT_REFUSED, refused.describe()
    assert "lacks the required column(s) qty" in refused.stderr
    assert_readable_failure(refused)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nPO-\xe9,,supplier\n")
    refused = ordersync(url, tmp_path, "deliveries", "import", str(latin))
    assert refused.returncode == EXIT_REFUSED, refused.describe()
    assert "not UTF-8" in refused.stderr
