"""Talking to the ledger: the HTTP client, and the engine that pushes the outbox, pulls the feed."""
