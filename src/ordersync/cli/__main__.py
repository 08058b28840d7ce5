"""``python -m ordersync.cli``: the ``ordersync`` command without its console script."""

import sys

from ordersync.cli.parser import main

sys.exit(main())
