"""Debian's headless Chromium driven by Selenium: where it lives, how it starts, and what to
install when it is missing.

The driver runs the system's ``/usr/bin/chromium`` through the system's ``/usr/bin/chromedriver``
(the ``chromium`` and ``chromium-driver`` packages, which ``.ci/run`` installs), so Selenium never
looks for, nor downloads, a browser of its own: the tests work on a closed network.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1280, 900)
FULL_PAGE_MAX_HEIGHT = 4000
"""A screenshot stops there: a longer page is cut rather than turned into a poster."""
DOWNLOAD_SECONDS = 15.0


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return None
    return (
        f"headless Chromium is not installed ({', '.join(missing)} missing): "
        "run `apt-get install chromium chromium-driver` (.ci/run does it in CI)"
    )


def start_chrome(download_dir: Path) -> WebDriver:
    """Headless Chromium, downloads saved into ``download_dir`` without asking."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        # root in a container has no user namespace for the sandbox; the pages are our own
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def save_full_page(driver: WebDriver, target: Path) -> Path:
    """A screenshot of the whole page (up to ``FULL_PAGE_MAX_HEIGHT`` pixels) into ``target``."""
    height, frame = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    page_height = min(max(int(height), WINDOW[1]), FULL_PAGE_MAX_HEIGHT)
    driver.set_window_size(WINDOW[0], page_height + int(frame))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not driver.save_screenshot(str(target)):
            raise RuntimeError(f"Chromium could not save a screenshot to {target}")
    finally:
        driver.set_window_size(*WINDOW)
    return target


def wait_for_download(directory: Path, before: set[Path]) -> Path:
    """The file a download added to ``directory``, once Chromium has finished writing it."""
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    while time.monotonic() < deadline:
        added = [
            path
            for path in directory.iterdir()
            if path not in before and not path.name.endswith((".crdownload", ".tmp"))
        ]
        if added:
            return added[0]
        time.sleep(0.1)
    raise AssertionError(f"no download finished in {directory} within {DOWNLOAD_SECONDS:.0f} s")
