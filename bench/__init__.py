"""Benchmarks of the ledger, its change feed and the store app, each next to a baseline measured
in the same run on the same machine. Run ``make bench`` (or ``python -m bench --quick``)."""
