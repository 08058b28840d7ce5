"""The local cache: a SQLite file (WAL, synchronous=FULL) that keeps the app working offline."""
