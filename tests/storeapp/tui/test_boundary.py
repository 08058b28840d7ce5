"""The services stay usable without the terminal UI: importing them does not load Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e  # a fresh interpreter is the only place nothing is imported yet


def test_the_services_and_the_context_do_not_load_textual() -> None:
    code = (
        "import sys\n"
        "import storeapp.context, storeapp.services.lookup, storeapp.services.sales\n"
        "import storeapp.services.status, storeapp.sync.engine, storeapp.i18n\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
