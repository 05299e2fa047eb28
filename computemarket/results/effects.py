"""A sweep's summaries and paired effects at several times and against several references.

``computemarket summarize DIR --after 1 2 5 10 --versus scenario=A --versus scenario=B`` goes
through here: one tidy table per kind (what the CSV files hold: a ``after`` or ``year`` column
when several times are asked for, a ``versus`` column when several references are), and wide
tables to read on a terminal (one column per time, each cell a value and its interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from computemarket.results.compare import paired_effects
from computemarket.results.errors import ResultsError
from computemarket.results.load import SweepResults


@dataclass(frozen=True)
class When:
    """A time of a sweep: a calendar year, years from the start, or the horizon (both ``None``)."""

    year: float | None = None
    after: float | None = None

    @property
    def column(self) -> str:
        """The column that names the time in a table of several: ``year`` or ``after``."""
        return "year" if self.year is not None else "after"

    @property
    def value(self) -> float | None:
        """The time's number (``None``: the horizon)."""
        return self.year if self.year is not None else self.after


def times(years: Sequence[float] | None, afters: Sequence[float] | None) -> list[When]:
    """The times asked for with ``--year`` or ``--after`` (one or several), else the horizon.

    Raises:
        ResultsError: If both are given or a time is repeated.
    """
    if years and afters:
        raise ResultsError("--year and --after: give one of them (calendar years, or years in)")
    chosen = [When(year=y) for y in years or []] or [When(after=a) for a in afters or []]
    values = [w.value for w in chosen]
    for i, value in enumerate(values):
        if values.index(value) != i:
            flag = "--year" if chosen[i].year is not None else "--after"
            raise ResultsError(f"{flag} {value:g}: given twice")
    return chosen or [When()]


def parse_versus(text: str) -> tuple[str, str]:
    """``FACTOR=VALUE`` as typed after ``--versus``.

    Raises:
        ResultsError: If the text is not ``FACTOR=VALUE``.
    """
    factor, sep, reference = text.partition("=")
    if not sep or not factor or not reference:
        raise ResultsError(
            f"--versus {text!r}: expected FACTOR=VALUE, e.g. scenario=calibrated-2025"
        )
    return factor, reference


def factor_value(results: SweepResults, factor: str, text: str) -> object:
    """The design's value of ``factor`` that ``text`` names.

    Numbers are compared as numbers; a boolean is named as in TOML (``true``, ``false``), as Python
    prints it (``True``) or as a number (``1``).
    """
    if factor not in results.factors:
        return text
    for value in results.points[factor].unique():
        if str(value) == text:
            return value
        if isinstance(value, bool | np.bool_) and text.lower() == str(bool(value)).lower():
            return value
        try:
            if float(value) == float(text):
                return value
        except (TypeError, ValueError):
            continue
    return text


def _stack(frames: list[pd.DataFrame], whens: list[When], label: str | None = None) -> pd.DataFrame:
    """Tables of several times (and references) in one, with the columns that tell them apart."""
    if len(whens) > 1:
        frames = [f.assign(**{w.column: w.value}) for f, w in zip(frames, whens, strict=True)]
        frames = [
            f[[whens[0].column, *[c for c in f.columns if c != whens[0].column]]] for f in frames
        ]
    table = pd.concat(frames, ignore_index=True)
    if label is not None:
        table.insert(0, "versus", label)
    return table


def summary_at(
    results: SweepResults,
    metrics: Sequence[str] | None,
    whens: list[When],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per point and metric at each time: n, mean, sd and interval (:meth:`SweepResults.summary`)."""
    frames = [
        results.summary(metrics, year=w.year, after=w.after, confidence=confidence) for w in whens
    ]
    return _stack(frames, whens)


def effects_at(
    results: SweepResults,
    versus: Sequence[str],
    metrics: Sequence[str] | None,
    whens: list[When],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired effects (:func:`~computemarket.results.compare.paired_effects`) at each time.

    Args:
        results: A loaded sweep.
        versus: ``FACTOR=VALUE`` references, one table each (a ``versus`` column when several).
        metrics: Metric names; default: every kept metric.
        whens: The times.
        confidence: Coverage of the intervals.
    """
    tables = []
    for text in versus:
        factor, reference = parse_versus(text)
        value = factor_value(results, factor, reference)
        frames = [
            paired_effects(
                results, factor, value, metrics, year=w.year, after=w.after, confidence=confidence
            )
            for w in whens
        ]
        tables.append(_stack(frames, whens, text if len(versus) > 1 else None))
    return pd.concat(tables, ignore_index=True)


# ------------------------------------------------------------------------------- wide, to read
def _number(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    return f"{value:+.3g}" if value != 0 else "0"


def _interval_cell(effect: float, low: float, high: float, p_value: float) -> str:
    if not np.isfinite(low):
        return _number(effect)
    star = "*" if np.isfinite(p_value) and p_value <= 0.05 else " "
    return f"{_number(effect)} [{_number(low)}, {_number(high)}]{star}"


def _wide(table: pd.DataFrame, rows: list[str], cell: pd.Series) -> pd.DataFrame:
    when = next((c for c in ("after", "year") if c in table.columns), None)
    frame = table[rows].assign(_cell=cell.to_numpy())
    if when is None:
        return frame.rename(columns={"_cell": "value"})
    frame[when] = table[when].to_numpy()
    wide = frame.pivot_table(index=rows, columns=when, values="_cell", aggfunc="first", sort=False)
    label = "year" if when == "year" else "after"
    wide.columns = [f"{label} {value:g}" for value in wide.columns]
    return wide.reset_index()


def wide_summary(summary: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
    """One row per point and metric, one column per time: ``mean [low, high]``."""
    cell = pd.Series(
        [
            f"{m:.4g} [{lo:.4g}, {hi:.4g}]" if np.isfinite(lo) else f"{m:.4g}"
            for m, lo, hi in summary[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)
        ]
    )
    return _wide(summary, ["point", *factors, "metric"], cell)


def wide_effects(effects: pd.DataFrame, factor_columns: Sequence[str]) -> pd.DataFrame:
    """One row per reference, value and metric, one column per time: ``effect [low, high]*``.

    ``*`` marks an effect whose paired t-test gives p <= 0.05.
    """
    cell = pd.Series(
        [
            _interval_cell(*values)
            for values in effects[["effect", "low", "high", "p_value"]].to_numpy(dtype=float)
        ]
    )
    rows = [c for c in ("versus", *factor_columns, "metric") if c in effects.columns]
    return _wide(effects, rows, cell)


def wide_shares(effects: pd.DataFrame, factor_columns: Sequence[str]) -> pd.DataFrame:
    """For a crossed design: shares of cells where each effect is positive / negative / n.s."""
    cell = pd.Series(
        [
            f"+{pos:.0%} -{neg:.0%} n.s. {ns:.0%}"
            for pos, neg, ns in effects[["positive", "negative", "not_significant"]].to_numpy()
        ]
    )
    rows = [c for c in ("versus", *factor_columns, "metric") if c in effects.columns]
    return _wide(effects, rows, cell)
