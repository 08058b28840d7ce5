"""The demo network: a French lingerie chain, its catalog, its stock and 90 days of history.

``network`` holds its shape (locations, catalog, stocking depth), ``history`` generates its
movement batches, ``orders`` its orders of the last weeks, ``motion`` its stock on the way,
``counter`` its units set aside and returns at Paris Rivoli, and ``load`` writes it all into a
ledger through the ordinary services, safe to run again.
"""
