"""The ``storeapp`` command: the store terminal UI by default; setup, lookup, sync, status, sell,
the job queue, order in store, the manager's day, counts and reports, and the demo, from a shell.

``main`` is the console script's entry point, ``run`` the same with the ledger's transport and the
clock injected; the ``EXIT_*`` codes are what it returns. The session and its exit codes live in
``session``, the parser in ``parser``, each command family in ``commands/``. Every text goes
through ``storeapp.i18n`` (French: ``locale/fr/LC_MESSAGES/cli.po``); the sentences the terminal
UI shows too come from ``storeapp.wording``, so both front ends say the same thing.
"""

from storeapp.cli.parser import main, run
from storeapp.cli.session import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOT_SET_UP,
    EXIT_NOT_SIGNED_IN,
    EXIT_OFFLINE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
)

__all__ = [
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_SET_UP",
    "EXIT_NOT_SIGNED_IN",
    "EXIT_OFFLINE",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "main",
    "run",
]
