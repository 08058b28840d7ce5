"""Pure rules of the ledger: no I/O, no database, no web framework."""
