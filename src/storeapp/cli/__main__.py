"""``python -m storeapp.cli``: the ``storeapp`` command without its console script."""

import sys

from storeapp.cli.parser import main

sys.exit(main())
