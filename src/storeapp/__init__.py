"""storeapp: the store terminal app (local cache, offline sync, lookup)."""

__version__ = "0.1.0"
