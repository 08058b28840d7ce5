"""ordersync: the central stock ledger of the store network."""

__version__ = "0.1.0"
