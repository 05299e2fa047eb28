"""Parsers of command-line option values, shared by every subcommand.

Each is an argparse ``type=``: it turns the text typed into a value or raises
:class:`argparse.ArgumentTypeError` with a message that says what is allowed, which the command
line reports on one line with exit code 2 before anything is written. Only the standard library is
imported here, so every layer's commands can use them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _integer(text: str, allowed: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None


def integer_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """A parser of whole numbers from ``low`` to ``high`` (no upper bound if ``None``)."""
    if high is not None:
        allowed = f"an integer from {low} to {high}"
    else:
        allowed = {0: "a non-negative integer", 1: "a positive integer"}.get(
            low, f"an integer >= {low}"
        )

    def parse(text: str) -> int:
        value = _integer(text, allowed)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


positive_integer = integer_range(1)
"""``--limit``, ``--chunk``, ``sweep --seeds``: a whole number >= 1."""

MAX_WORKERS = 1024
"""The most worker processes a command starts. Far more than one machine's cores, and far below
what a process pool can make: its queues' semaphores overflow above 2**31 - 1, and every worker is a
process this machine must fork."""
worker_count = integer_range(1, MAX_WORKERS)
"""``--workers``: 1 to :data:`MAX_WORKERS` processes."""

MAX_SEEDS = 100_000
"""The most seeds per point (or per condition): an experiment's ``seeds`` and ``validate --seeds``."""
non_negative_integer = integer_range(0)
"""``--seed``, ``--quarter``: a whole number >= 0."""


def finite_number(text: str) -> float:
    """A finite number (``nan`` and ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def calendar_year(text: str) -> float:
    """``--year``: a calendar year such as 2030 (or 2030.25 for its second quarter)."""
    value = finite_number(text)
    if not 1000 <= value <= 9999:
        raise argparse.ArgumentTypeError(
            f"expected a calendar year such as 2030, got {text!r} (for years from the start of "
            "the runs, use --after)"
        )
    return value


MAX_YEARS = 100
"""The longest horizon a run may have (``market.years``' upper bound; a test checks they agree)."""


def years_elapsed(text: str) -> float:
    """``--after``: years from the start of the runs, 0 to 100, in quarters (2.25 is quarter 9).

    The command then checks the value against the runs' own horizon; the bound here keeps a huge
    value (``1e308``) from overflowing when it is turned into a quarter.
    """
    value = finite_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected years from the start, >= 0, got {text!r}")
    if value > MAX_YEARS:
        raise argparse.ArgumentTypeError(
            f"expected years from the start, 0 to {MAX_YEARS} (the longest horizon), got {text!r}"
        )
    return value


def probability(text: str) -> float:
    """``--confidence``: a number strictly between 0 and 1."""
    value = finite_number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value
