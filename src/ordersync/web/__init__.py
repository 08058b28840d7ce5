"""The head-office dashboard: server-rendered pages under ``/hq`` for managers and admins.

Sign-in with a manager or admin token (``sign_in``), sessions in a signed cookie (``sessions``,
``signing_key``, ``viewer``), the pages (``pages``) built from the ledger's services (``glance``,
``stock_view``, ``touchpoint_view``), tables that are also CSV files (``tables``), charts drawn
as SVG on the server (``charts``), errors as readable pages (``html_errors``). Nothing imports
this package but the app factory, which mounts ``mount.HQ_ROUTERS``.
"""
