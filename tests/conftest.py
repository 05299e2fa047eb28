"""Fixtures shared by the test packages: a real browser for the app and report tests."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from computemarket.testing import CHROMIUM_ARGS, chromium_path

# A job started in the background of a non-interactive shell (`make test &`, some CI runners) starts
# with SIGINT ignored, and its children inherit that: Python then installs no KeyboardInterrupt
# handler, and the tests that press Ctrl-C on a subprocess (tests/test_faults.py,
# tests/experiments/test_interrupt.py, the app's shutdown) would wait in vain. Tests run as if from a
# terminal: SIGINT raises KeyboardInterrupt here, and children start with its default action.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    path = chromium_path()
    if not path or not Path(path).is_file():
        return f"no chromium browser at {path!r} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


@pytest.fixture(scope="module")
def chromium():
    """A headless chromium driven by Playwright.

    Skips with the reason when the browser or Playwright is missing; under ``CI=true`` that is a
    failure instead, so CI always runs the browser tests.
    """
    reason = missing_browser()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
