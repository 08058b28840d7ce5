"""Deterministic, seeded, fault-injecting simulation of a ledger and its store terminals.

``harness`` runs one seed: a real ``ordersync`` process, many store terminals (real sync engines,
each on its own cache file), a seeded workload and seeded faults, then the drain and the checks.
``soak`` runs thousands of seeds; ``test_simulation`` runs a few per backend in the normal suite.
"""
