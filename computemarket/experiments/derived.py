"""Metrics a sweep derives from a run's recorded metrics and keeps like any other.

The model records what it measures each quarter (docs/model.md §8); some questions need a
function of that series over time. A sweep computes these from the run's whole quarterly table,
before thinning it to ``keep.every``, so that they mean the same whatever is kept:

* ``exited[LAB]``: 1.0 from the quarter in which a lab the scenario lists by name has exited the
  market (failed: its revenue is zero from then on, ``revenue[LAB] == 0``), else 0.0. Its mean
  over a point's runs is the probability that the lab has exited *by* that time. A listed lab
  that is acquired stays in the market as the acquirer's in-house lab and has not exited.

Keep one with ``keep.metrics = ["exited[OpenAI]", ...]``; ``keep.metrics = "all"`` keeps every
one that the run's metrics allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

_FIRM = re.compile(r"^(?P<name>[a-z_]+)\[(?P<firm>.+)\]$")

DERIVED_METRICS = {
    "exited": (
        "revenue",
        "1 from the quarter a listed lab has exited (its revenue is 0 from then on), else 0",
    ),
}
"""Derived per-firm metric name -> (the recorded per-firm metric it comes from, its meaning)."""


def derived_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """The derived metrics that can be computed from these recorded columns, in column order.

    Args:
        columns: Recorded metric columns, e.g. ``revenue[OpenAI]``.

    Returns:
        E.g. ``("exited[OpenAI]", ...)`` for every ``revenue[...]`` column.
    """
    sources = {source: name for name, (source, _) in DERIVED_METRICS.items()}
    out = []
    for column in columns:
        match = _FIRM.match(column)
        if match and match["name"] in sources:
            out.append(f"{sources[match['name']]}[{match['firm']}]")
    return tuple(out)


def source_column(metric: str) -> str | None:
    """The recorded column a derived metric comes from, or ``None`` if it is not derived."""
    match = _FIRM.match(metric)
    if match is None or match["name"] not in DERIVED_METRICS:
        return None
    return f"{DERIVED_METRICS[match['name']][0]}[{match['firm']}]"


def add_derived(metrics: pd.DataFrame, names: Sequence[str] | None = None) -> pd.DataFrame:
    """The run's metrics with derived columns added (those already recorded are left alone).

    Args:
        metrics: One run's metrics, one row per quarter in order.
        names: Metrics the caller wants; the derived ones among them are added. ``None``: every
            derived metric the columns allow.

    Returns:
        A new table, or ``metrics`` itself when nothing is to be added.

    Raises:
        KeyError: If a wanted derived metric's source column was not recorded.
    """
    wanted = derived_columns(metrics.columns) if names is None else names
    added = {}
    for name in wanted:
        source = source_column(name)
        if source is None or name in metrics.columns:
            continue
        if source not in metrics.columns:
            raise KeyError(
                f"metric {name!r} is derived from {source!r}, which the model did not record"
            )
        # "exited": zero revenue is permanent once a lab has left; cummax makes it "by then".
        added[name] = (metrics[source].to_numpy() <= 0).astype(float)
        added[name] = pd.Series(added[name], index=metrics.index).cummax().to_numpy()
    if not added:
        return metrics
    return pd.concat([metrics, pd.DataFrame(added, index=metrics.index)], axis=1)
