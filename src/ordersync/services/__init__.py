"""Use cases of the ledger: plain functions of (transaction or connection, command, principal)."""
