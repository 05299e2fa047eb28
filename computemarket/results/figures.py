"""Every kind of figure, by name, for a run or a sweep; drawing them and writing them to files.

``computemarket plot`` and ``computemarket report`` go through :func:`draw_figures`: it picks the
kinds that apply to the folder (a heatmap needs two factors, Sobol' indices a Saltelli design, ...),
draws each with the options given, and says why a kind was left out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from computemarket.results import (
    deal_network,
    figures_effects,
    figures_factors,
    figures_run,
    figures_sweep,
    money_flow,
)
from computemarket.results.load import SweepResults
from computemarket.results.plots import summary_figure
from computemarket.results.source import FigureError
from computemarket.results.style import is_hhi, run_title
from computemarket.simulation.metrics import HHI_HIGH
from computemarket.store.files import atomic_paths
from computemarket.store.layout import FIGURE_FORMATS, FIGURES_DIR, figure_stem
from computemarket.store.runs import StoredRun

FORMATS = FIGURE_FORMATS
PNG_DPI = 150

# A metric, or a per-firm metric with its firm in brackets (``cloud_share[Google Cloud]``).
_THRESHOLD = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\[[^\[\]<>]+\])?)\s*([<>])\s*([-+0-9.eE_,]+)\s*$"
)


@dataclasses.dataclass(frozen=True)
class Threshold:
    """``metric > value`` (or ``<`` with ``below``), as typed after ``--threshold``."""

    metric: str
    value: float
    below: bool = False

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """Parse ``'cloud_hhi>1800'``, ``'locked_share<0.5'`` or ``'exited[Mistral]>0.5'``.

        Raises:
            FigureError: If the text is not ``METRIC>VALUE`` or ``METRIC<VALUE`` with a finite
                value.
        """
        match = _THRESHOLD.match(text)
        try:
            value = float(match.group(3).replace(",", "").replace("_", "")) if match else None
        except ValueError:
            value = None
        if match is None or value is None:
            raise FigureError(
                f"--threshold {text!r}: expected METRIC>VALUE or METRIC<VALUE, e.g. 'cloud_hhi>1800'"
                " or 'exited[OpenAI]>0.5'"
            )
        if not math.isfinite(value):  # '1e999' is a number to float(): infinity
            raise FigureError(f"--threshold {text!r}: expected a finite VALUE")
        return cls(match.group(1), value, match.group(2) == "<")

    @property
    def slug(self) -> str:
        """A file-name-safe form: ``cloud_hhi-above-1800``."""
        return f"{self.metric}-{'below' if self.below else 'above'}-{self.value:g}"


@dataclasses.dataclass(frozen=True)
class FigureOptions:
    """What to draw, beyond the defaults.

    Attributes:
        metrics: Sweep metrics (default: the headline metrics over time, ``cloud_hhi`` otherwise).
        year: A calendar year. Run: the year of the money flow (default: the last full year).
            Sweep: the time of heatmaps, crossing, distributions and sensitivity (default: the
            horizon).
        after: Years from the start, instead of ``year``. Run: the money flow of the calendar
            year that holds that time.
        quarter: Run: quarter of the deal network (default: the last).
        thresholds: Sweep: thresholds of the crossing figure (default: ``HHI > 1,800``).
        factors: Sweep: the factors on the axes (x, then y for a heatmap).
        versus: Sweep: ``FACTOR=VALUE``, the reference arm of the decomposition figure
            (default: each arm against the arm before it).
    """

    metrics: tuple[str, ...] = ()
    year: float | None = None
    after: float | None = None
    quarter: int | None = None
    thresholds: tuple[Threshold, ...] = ()
    factors: tuple[str, ...] = ()
    versus: str | None = None


@dataclasses.dataclass
class DrawnFigure:
    """One figure drawn for a folder.

    Attributes:
        kind: Its kind (``shares``, ``heatmap``, ...).
        stem: File name without suffix, e.g. ``heatmap-cloud_hhi``.
        figure: The figure.
    """

    kind: str
    stem: str
    figure: Figure


@dataclasses.dataclass(frozen=True)
class FigureKind:
    """A kind of figure: what it shows, whether it applies to a folder, and how to draw it."""

    name: str
    description: str
    draw: Callable[..., list[tuple[str, Figure]]]
    reason_not: Callable[..., str | None] = lambda _source, _options: None


# ------------------------------------------------------------------------------------------ runs
def _run_kinds() -> dict[str, FigureKind]:
    def one(kind: str, function: Callable[[StoredRun], Figure]) -> Callable:
        return lambda run, _options: [(figure_stem("run", kind), function(run))]

    def money(run: StoredRun, options: FigureOptions) -> list[tuple[str, Figure]]:
        year = None if options.year is None else _whole(options.year, "--year")
        if options.after is not None:
            year = _year_after(run, options.after)
        year, _quarters = money_flow.flow_quarters(run.metrics, year)
        return [
            (figure_stem("run", "money-flow", year=year), money_flow.money_flow_figure(run, year))
        ]

    def network(run: StoredRun, options: FigureOptions) -> list[tuple[str, Figure]]:
        graph_quarter = deal_network.deal_network(run, options.quarter).graph["quarter"]
        return [
            (
                figure_stem("run", "deal-network", quarter=graph_quarter),
                deal_network.deal_network_figure(run, graph_quarter),
            )
        ]

    def summary(run: StoredRun, _options: FigureOptions) -> list[tuple[str, Figure]]:
        title = run_title(run.manifest)
        return [
            (figure_stem("run", "summary"), summary_figure(run.metrics, run.agents, title=title))
        ]

    kinds = [
        FigureKind("summary", "four panels: cloud shares, HHI, lock-in, circularity", summary),
        FigureKind(
            "shares",
            "market shares stacked over time, cloud and model market",
            one("shares", figures_run.shares_figure),
        ),
        FigureKind(
            "concentration",
            "HHI of each market with the 1,000 and 1,800 bands",
            one("concentration", figures_run.concentration_figure),
        ),
        FigureKind(
            "lock-in",
            "lock-in and circularity over time, by investor",
            one("lock-in", figures_run.lock_in_figure),
        ),
        FigureKind("money-flow", "Sankey diagram of one year's money through the labs", money),
        FigureKind("deal-network", "stakes, commitments and exclusivity at one quarter", network),
    ]
    return {kind.name: kind for kind in kinds}


def _year_after(run: StoredRun, after: float) -> int:
    """The calendar year that holds the time ``after`` years from the run's start."""
    quarters = run.metrics["quarter"].to_numpy()
    quarter = round(4 * after) if 0 <= after <= quarters.max() / 4 else -1  # 4 * 1e308 overflows
    if abs(quarter - 4 * after) > 1e-9 or quarter not in quarters:
        raise FigureError(
            f"--after {after:g}: expected years from the start in quarters (multiples of 0.25) "
            f"from 0 to {quarters.max() / 4:g}"
        )
    year = run.metrics.loc[run.metrics["quarter"] == quarter, "year"].iloc[0]
    return int(year + 1e-9)


def _whole(value: float, flag: str) -> int:
    if value != int(value):
        raise FigureError(f"{flag} {value:g}: expected a whole calendar year for a run, e.g. 2030")
    return int(value)


# ---------------------------------------------------------------------------------------- sweeps
def _sweep_metrics(sweep: SweepResults, options: FigureOptions) -> list[str]:
    return list(options.metrics) or [figures_sweep.default_metric(sweep)]


def _sweep_kinds() -> dict[str, FigureKind]:
    def over_time(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        metrics = list(options.metrics) or None
        return [(figure_stem("sweep", "over-time"), figures_sweep.over_time_figure(sweep, metrics))]

    def heatmap(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        factors = tuple(options.factors[:2]) if len(options.factors) >= 2 else None
        return [
            (
                figure_stem("sweep", "heatmap", metric=metric),
                figures_sweep.heatmap_figure(
                    sweep, metric, factors=factors, year=options.year, after=options.after
                ),
            )
            for metric in _sweep_metrics(sweep, options)
        ]

    def sensitivity(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        return [
            (
                figure_stem("sweep", "sensitivity", metric=metric),
                figures_factors.sensitivity_figure(
                    sweep,
                    metric,
                    year=options.year,
                    after=options.after,
                    versus=versus_of(sweep, options),
                ),
            )
            for metric in _sweep_metrics(sweep, options)
        ]

    def crossing(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        factor = options.factors[0] if options.factors else None
        return [
            (
                figure_stem("sweep", "crossing", threshold=threshold.slug),
                figures_factors.crossing_figure(
                    sweep,
                    threshold.metric,
                    threshold=threshold.value,
                    below=threshold.below,
                    factor=factor,
                    year=options.year,
                    after=options.after,
                ),
            )
            for threshold in _thresholds(sweep, options)
        ]

    def distribution(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        factor = options.factors[0] if options.factors else None
        return [
            (
                figure_stem("sweep", "distribution", metric=metric),
                figures_sweep.distribution_figure(
                    sweep, metric, factor=factor, year=options.year, after=options.after
                ),
            )
            for metric in _sweep_metrics(sweep, options)
        ]

    def decomposition(sweep: SweepResults, options: FigureOptions) -> list[tuple[str, Figure]]:
        when = options.after if options.after is not None else None
        if options.year is not None:
            when = sweep.quarter_of(options.year) / 4
        versus = versus_of(sweep, options)
        reference = None if versus is None else versus[1]
        stem = (
            figure_stem("sweep", "decomposition")
            if reference is None
            else figure_stem("sweep", "decomposition", 1, reference=reference)
        )
        return [
            (
                stem,
                figures_effects.decomposition_figure(
                    sweep,
                    list(options.metrics) or None,
                    afters=None if when is None else [when],
                    reference=reference,
                ),
            )
        ]

    def decomposition_reason(sweep: SweepResults, options: FigureOptions) -> str | None:
        factors = sweep.factors
        if len(factors) != 1 or factors[0] not in figures_effects.ARM_FACTORS:
            return "needs a sweep of arms: one scenario or rules factor and nothing else"
        arms = sweep.points[factors[0]].nunique()
        if options.versus is None and (factors[0] != "scenario" or arms < 3):
            return (
                "without --versus, needs a scenario factor of at least 3 arms that add one term "
                "each (give --versus FACTOR=VALUE to compare every arm with one)"
            )
        return None

    def needs_factors(count: int) -> Callable:
        def reason(sweep: SweepResults, _options: FigureOptions) -> str | None:
            have = len(sweep.factors)
            return (
                f"the sweep has {have} factor{'s' * (have != 1)}, {count} needed"
                if have < count
                else None
            )

        return reason

    def over_time_reason(sweep: SweepResults, _options: FigureOptions) -> str | None:
        if sweep.manifest["spec"]["keep"]["every"] == "final":
            return "the sweep kept only the final quarter (keep.every = 'final')"
        return None

    def sensitivity_reason(sweep: SweepResults, _options: FigureOptions) -> str | None:
        design = sweep.manifest["design"]
        if design.get("sampler") not in ("saltelli", "morris"):
            return f"needs a saltelli or morris design (this sweep's is {design.get('sampler')!r})"
        done = sweep.metrics["point"].nunique() if len(sweep.metrics) else 0
        if done < design["points"]:
            return f"{design['points'] - done} of {design['points']} design points have no finished run"
        return None

    def crossing_reason(sweep: SweepResults, options: FigureOptions) -> str | None:
        if not sweep.factors:
            return "the sweep has no factor"
        if not _thresholds(sweep, options):
            return "no HHI metric chosen and no --threshold given"
        return None

    kinds = [
        FigureKind(
            "over-time",
            "metrics over time, mean and 95% band per design point",
            over_time,
            over_time_reason,
        ),
        FigureKind(
            "heatmap", "mean over two factors with the 1,800 contour", heatmap, needs_factors(2)
        ),
        FigureKind(
            "sensitivity",
            "Sobol' or Morris indices with intervals",
            sensitivity,
            sensitivity_reason,
        ),
        FigureKind(
            "crossing",
            "probability of crossing a threshold against a factor",
            crossing,
            crossing_reason,
        ),
        FigureKind(
            "distribution", "distribution over runs at a horizon", distribution, needs_factors(1)
        ),
        FigureKind(
            "decomposition",
            "paired effect of each term (each arm against the one before it, or --versus one), "
            "with 95% intervals, at 1, 2, 5 and 10 years",
            decomposition,
            decomposition_reason,
        ),
    ]
    return {kind.name: kind for kind in kinds}


def versus_of(sweep: SweepResults, options: FigureOptions) -> tuple[str, object] | None:
    """The factor and reference value named by ``--versus FACTOR=VALUE``, or ``None``."""
    if options.versus is None:
        return None
    from computemarket.results.effects import factor_value, parse_versus

    factor, text = parse_versus(options.versus)
    if factor not in sweep.factors:
        raise FigureError(
            f"--versus {factor}: not a factor of this sweep (factors: {', '.join(sweep.factors)})"
        )
    return factor, factor_value(sweep, factor, text)


def _thresholds(sweep: SweepResults, options: FigureOptions) -> list[Threshold]:
    if options.thresholds:
        return list(options.thresholds)
    return [Threshold(m, HHI_HIGH) for m in _sweep_metrics(sweep, options) if is_hhi(m)]


RUN_KINDS = _run_kinds()
"""Figure kinds of a run, in the order they are drawn."""
SWEEP_KINDS = _sweep_kinds()
"""Figure kinds of a sweep, in the order they are drawn."""


# ----------------------------------------------------------------------------------------- drawing
def kinds_for(source: StoredRun | SweepResults) -> dict[str, FigureKind]:
    """The figure kinds of a run or of a sweep."""
    return RUN_KINDS if isinstance(source, StoredRun) else SWEEP_KINDS


def draw_figures(
    source: StoredRun | SweepResults,
    kinds: Sequence[str] = (),
    options: FigureOptions | None = None,
) -> tuple[list[DrawnFigure], dict[str, str]]:
    """Draw figures of a run or a sweep.

    Args:
        source: A stored run or a loaded sweep (see :func:`computemarket.results.source.open_results`).
        kinds: Kinds to draw; default: every kind that applies.
        options: Metrics, year, quarter, thresholds and factors (default: the defaults).

    Returns:
        The figures drawn, and the kinds left out (default only) with the reason.

    Raises:
        FigureError: On an unknown kind, a kind asked for that does not apply, or a bad option.
    """
    options = options or FigureOptions()
    available = kinds_for(source)
    what = "run" if isinstance(source, StoredRun) else "sweep"
    for kind in kinds:
        if kind not in available:
            raise FigureError(
                f"--kind {kind!r}: not a figure of a {what} (choose from {', '.join(available)})"
            )
    check_options(source, options)
    if what == "sweep" and source.metrics.empty:
        raise FigureError(f"{source.directory}: the sweep has no finished run yet")
    drawn, skipped = [], {}
    for name in kinds or available:
        kind = available[name]
        reason = kind.reason_not(source, options)
        if reason and kinds:
            raise FigureError(f"--kind {name}: {reason}")
        if reason:
            skipped[name] = reason
            continue
        for stem, figure in kind.draw(source, options):
            drawn.append(DrawnFigure(name, stem, figure))
    return drawn, skipped


_SWEEP_ONLY = (
    ("metrics", "--metric"),
    ("thresholds", "--threshold"),
    ("factors", "--factor"),
    ("versus", "--versus"),
)


def check_options(source: StoredRun | SweepResults, options: FigureOptions) -> None:
    """Check the options against the folder before anything is drawn or written.

    Raises:
        FigureError: On an option that does not apply to a run or a sweep, or that names a
            metric, factor or time the folder does not have.
    """
    if options.year is not None and options.after is not None:
        raise FigureError("--year and --after: give one of them (a calendar year, or years in)")
    if isinstance(source, StoredRun):
        for field, flag in _SWEEP_ONLY:
            if getattr(options, field):
                raise FigureError(f"{flag}: only for a sweep; {source.path} holds a run")
        return
    if options.quarter is not None:
        raise FigureError(
            f"--quarter: only for a run (the deal network); {source.directory} holds a sweep"
        )
    source.check_factors(options.factors)
    versus_of(source, options)
    source._check_metrics([*options.metrics, *(t.metric for t in options.thresholds)])
    if not source.metrics.empty:
        source.quarter_of(options.year, after=options.after)


def save_figures(
    drawn: Sequence[DrawnFigure],
    directory: str | Path,
    image_format: str = "png",
    *,
    dpi: int = PNG_DPI,
) -> list[Path]:
    """Write figures into ``directory/figures/`` as ``<stem>.<format>``.

    Args:
        drawn: Figures from :func:`draw_figures`.
        directory: The run or sweep folder.
        image_format: ``png`` or ``svg``.
        dpi: Resolution of a PNG (150: 2100 x 1200 pixels for a slide-size figure).

    Returns:
        The files written.

    Raises:
        FigureError: On an unknown format or a folder that cannot be written.
        OSError: If writing fails (disk full); no figure is then replaced.
    """
    if image_format not in FORMATS:
        raise FigureError(f"--format {image_format!r}: choose from {', '.join(FORMATS)}")
    out = Path(directory) / FIGURES_DIR
    made = not out.exists()
    try:
        out.mkdir(exist_ok=True)
    except OSError as err:
        raise FigureError(f"{out}: cannot create the figures folder ({err.strerror})") from None
    paths = [out / f"{item.stem}.{image_format}" for item in drawn]
    # No date in SVG metadata: the same figure gives the same file.
    metadata = {"Date": None} if image_format == "svg" else None
    try:
        # All or none: a full disk must not leave some figures new and others stale.
        with atomic_paths(paths, clean=True) as temporaries:
            for item, tmp in zip(drawn, temporaries, strict=True):
                item.figure.savefig(tmp, format=image_format, dpi=dpi, metadata=metadata)
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    return paths
