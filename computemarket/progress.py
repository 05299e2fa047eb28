"""Progress bars for long commands: shown after a couple of seconds, on a terminal only.

:func:`progress_bar` is a :class:`tqdm.tqdm` on stderr that appears only once the work has taken
:data:`DELAY_S` seconds, and is redrawn every second even when no step has finished (a quarter of
a market with 100,000 labs takes a minute): the elapsed time keeps moving, so a long run never
looks stuck. It is hidden when stderr is not a terminal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

from tqdm.auto import tqdm

DELAY_S = 2.0
"""A bar appears only once the work has taken this long: a short command prints none."""
TICK_S = 1.0
"""How often the bar is redrawn while no step finishes."""


@contextlib.contextmanager
def progress_bar(*, enabled: bool = True, **options: Any) -> Iterator[tqdm]:
    """A progress bar on stderr that appears after :data:`DELAY_S` and ticks every second.

    Args:
        enabled: ``False`` hides the bar (``--no-progress``); it is also hidden when stderr is not
            a terminal.
        **options: Passed to :class:`tqdm.tqdm` (``total``, ``unit``, ``desc``, ``initial``...).

    Yields:
        The bar: call ``update(n)`` as work is done.
    """
    settings = {
        "delay": DELAY_S,
        "file": sys.stderr,
        "dynamic_ncols": True,
        "leave": False,
        "disable": None if enabled else True,  # None: hidden when stderr is not a terminal
        **options,
    }
    bar = tqdm(**settings)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_S):
            with contextlib.suppress(Exception):  # a closed terminal must not end the command
                bar.update(0)

    ticker = None
    if not bar.disable:
        ticker = threading.Thread(target=tick, name="progress-bar", daemon=True)
        ticker.start()
    try:
        yield bar
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
        bar.close()
