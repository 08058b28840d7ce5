"""Storage of the ledger: tables, engines and their pragmas, the group-commit writer, migrations."""
