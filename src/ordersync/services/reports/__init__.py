"""The ledger's reports, one module per report: plain functions of (connection, parameters, now)
returning contract models. They read positions, ``position_days``, items, locations, orders and
jobs through their indexes, and never the movements. None checks permissions: ``access`` says
who reads which report, for the API; the ``ordersync report`` command reads every location."""
