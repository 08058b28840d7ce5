"""Sales intelligence as pure arithmetic over positions' days: trends, days of cover, stock-outs,
replenishment and rebalancing suggestions, and the network's fulfilment figures.

Nothing here reads a database: the report services load ``position_days`` rows (and jobs and
orders for the figures) and hand them over as plain values, so every rule is testable with
numbers worked out by hand.
"""
