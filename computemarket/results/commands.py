"""Command-line subcommands that read results: ``summarize``, ``sensitivity``, ``discover``, ``plot``, ``report``.

``computemarket.cli`` adds them with :func:`add_commands`. Bad input (a missing folder, a folder
that holds neither a run nor a sweep, an unknown figure kind, metric or factor, a time outside the
runs, a place the output cannot go) raises a :class:`~computemarket.results.errors.ResultsError`,
reported on one line with exit code 2 before anything is written. Every output (CSV tables,
figures, the report) is written atomically, all of a command's files or none.

A time is given as ``--year`` (a calendar year, as in the tables' ``year`` column) or ``--after``
(years from the start of the runs); without either, the horizon.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from computemarket.options import (
    calendar_year,
    finite_number,
    integer_range,
    non_negative_integer,
    probability,
    years_elapsed,
)
from computemarket.results.errors import ResultsError
from computemarket.results.figures import (
    FORMATS,
    PNG_DPI,
    RUN_KINDS,
    SWEEP_KINDS,
    DrawnFigure,
    FigureOptions,
    Threshold,
    draw_figures,
    save_figures,
)
from computemarket.results.source import FIGURES_DIR, open_results
from computemarket.store.files import atomic_paths, unwritable_reason
from computemarket.store.layout import SENSITIVITY_CSV, SUMMARY_CSV


def _kind_list() -> str:
    return f"run: {', '.join(RUN_KINDS)}; sweep: {', '.join(SWEEP_KINDS)}"


def _add_time_options(parser: argparse.ArgumentParser, what: str, several: bool = False) -> None:
    """``--year`` (calendar) or ``--after`` (years from the start), one of them (or several)."""
    when = parser.add_mutually_exclusive_group()
    many = {"nargs": "+", "action": "extend"} if several else {}
    plural = " (one or more)" if several else ""
    when.add_argument(
        "--year",
        type=calendar_year,
        metavar="YEAR",
        help=f"calendar year{plural} of {what}, e.g. 2036 (2036.25: its second quarter; "
        "default: the horizon)",
        **many,
    )
    when.add_argument(
        "--after",
        type=years_elapsed,
        metavar="YEARS",
        help=f"or years from the start of the runs{plural}, e.g. 10 (quarter 40), for {what}",
        **many,
    )


def _add_figure_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """The folder, ``--kind`` and the options that shape the figures, shared by plot and report."""
    parser.add_argument("directory", metavar="DIR", help="a run or sweep folder (their --out)")
    parser.add_argument(
        "--kind",
        dest="kinds",
        metavar="KIND",
        action="extend",
        nargs="+",
        default=[],
        help=f"figure kinds to {verb} (default: every kind that applies)",
    )
    parser.add_argument(
        "--metric",
        dest="metrics",
        metavar="M",
        action="extend",
        nargs="+",
        default=[],
        help="sweep: metrics to draw (default: cloud_hhi; over time: the headline metrics)",
    )
    _add_time_options(
        parser,
        "the money flow (run; default: the last full year) or of heatmaps, crossing, "
        "distributions and sensitivity (sweep)",
    )
    parser.add_argument(
        "--quarter",
        type=non_negative_integer,
        metavar="Q",
        help="run: quarter of the deal network (default: the last)",
    )
    parser.add_argument(
        "--threshold",
        dest="thresholds",
        metavar="'M>V'",
        action="append",
        default=[],
        help="sweep: threshold of the crossing figure, e.g. 'cloud_hhi>1800' (default for an HHI)",
    )
    parser.add_argument(
        "--factor",
        dest="factors",
        metavar="F",
        action="extend",
        nargs="+",
        default=[],
        help="sweep: factor on the x axis (then the y axis of a heatmap); default: the first ones",
    )
    parser.add_argument(
        "--versus",
        metavar="FACTOR=VALUE",
        help="sweep: the decomposition figure compares every arm with this one (default: each "
        "arm with the arm before it)",
    )


def _options(args: argparse.Namespace) -> FigureOptions:
    return FigureOptions(
        metrics=tuple(args.metrics),
        year=args.year,
        after=args.after,
        quarter=args.quarter,
        thresholds=tuple(Threshold.parse(text) for text in args.thresholds),
        factors=tuple(args.factors),
        versus=args.versus,
    )


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``summarize``, ``sensitivity``, ``discover``, ``plot`` and ``report`` to ``add_subparsers()``."""
    summarize = subparsers.add_parser(
        "summarize",
        help="per-point mean, sd and 95%% CI over seeds of a sweep; threshold crossing",
        description="Summarise a sweep per design point over its seeds, print the table and write CSV.",
    )
    summarize.add_argument("directory", metavar="DIR", help="a sweep's output folder")
    summarize.add_argument(
        "--metric",
        action="extend",
        nargs="+",
        metavar="M",
        help="metrics to summarise (one or more, repeatable; default: all kept)",
    )
    _add_time_options(summarize, "the values", several=True)
    summarize.add_argument(
        "--threshold",
        action="append",
        metavar="M>V",
        help="probability and time of crossing, e.g. 'cloud_hhi>1800' (repeatable)",
    )
    summarize.add_argument(
        "--confidence",
        type=probability,
        default=0.95,
        help="coverage of the intervals (default 0.95)",
    )
    summarize.add_argument(
        "--csv", metavar="PATH", help=f"where to write the summary (default: DIR/{SUMMARY_CSV})"
    )
    summarize.add_argument(
        "--versus",
        action="append",
        metavar="FACTOR=VALUE",
        help="also print each point's paired effect against this point, e.g. "
        "scenario=calibrated-2025 (repeatable)",
    )
    summarize.set_defaults(func=summarize_command)

    sensitivity = subparsers.add_parser(
        "sensitivity",
        help="Sobol' indices or Morris effects of a sweep made with a saltelli or morris design",
        description="Global sensitivity analysis with SALib of one metric at one time, over the "
        "design points (the output per point is the mean over its seeds).",
    )
    sensitivity.add_argument("directory", metavar="DIR", help="a sweep's output folder")
    sensitivity.add_argument(
        "--metric", required=True, metavar="M", help="the metric to analyse, e.g. cloud_hhi"
    )
    _add_time_options(sensitivity, "the analysed values")
    sensitivity.add_argument(
        "--confidence", type=probability, default=0.95, help="coverage of the bootstrap intervals"
    )
    sensitivity.add_argument(
        "--csv",
        metavar="PATH",
        help=f"where to write the indices (default: DIR/{SENSITIVITY_CSV.format(metric='<metric>')})",
    )
    sensitivity.add_argument(
        "--versus",
        metavar="FACTOR=VALUE",
        help="analyse the paired effect against this value of a listed factor crossed with the "
        "design, e.g. scenario=amazon-openai-50b-independent",
    )
    sensitivity.set_defaults(func=sensitivity_command)

    discover = subparsers.add_parser(
        "discover",
        help="PRIM scenario discovery: the factor ranges where a metric ends past a threshold",
        description="Run PRIM (EMA Workbench's) over a sweep: the inputs are the factors of each "
        "finished run, the outcome whether the metric is past the threshold at the time asked. "
        "Print the boxes of the peeling trajectory (coverage, density, mass) and the limits of "
        f"the chosen box; draw both into DIR/{FIGURES_DIR}/. Needs the extra: "
        "pip install 'computemarket[ema]'.",
    )
    discover.add_argument("directory", metavar="DIR", help="a sweep's output folder")
    discover.add_argument(
        "--metric", required=True, metavar="M", help="the outcome's metric, e.g. cloud_hhi"
    )
    side = discover.add_mutually_exclusive_group(required=True)
    side.add_argument(
        "--above", type=finite_number, metavar="V", help="runs of interest: metric above V"
    )
    side.add_argument(
        "--below", type=finite_number, metavar="V", help="runs of interest: metric below V"
    )
    _add_time_options(discover, "the outcome")
    discover.add_argument(
        "--box",
        type=non_negative_integer,
        metavar="N",
        help="the box of the peeling trajectory to show (default: the best balance of coverage "
        "and density, their harmonic mean)",
    )
    discover.add_argument(
        "--format", dest="image_format", choices=FORMATS, default="png", help="image format"
    )
    discover.set_defaults(func=discover_command)

    plot = subparsers.add_parser(
        "plot",
        help="draw the figures of a run or a sweep into DIR/figures/",
        description="Draw the figures of a run or a sweep folder (told apart by its files) into "
        f"DIR/{FIGURES_DIR}/. Figure kinds: {_kind_list()}.",
    )
    plot.add_argument(
        "--format", dest="image_format", choices=FORMATS, default="png", help="image format"
    )
    plot.add_argument(
        "--dpi",
        type=integer_range(30, 600),
        default=PNG_DPI,
        help="PNG resolution (default: %(default)s: 2100 x 1200 pixels for a 14 x 8 inch figure)",
    )
    _add_figure_options(plot, "draw")
    plot.set_defaults(func=plot_command)

    report = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of a run or a sweep",
        description="Write DIR/report.html: every figure embedded, the summary table, the scenario "
        "or experiment as run and the provenance from the manifest, in one file that references "
        "nothing outside itself.",
    )
    _add_figure_options(report, "include")
    report.add_argument(
        "--out",
        metavar="FILE",
        help="the HTML file (default: DIR/report.html); an existing file is replaced only if it "
        "is an earlier report",
    )
    report.set_defaults(func=report_command)


# ------------------------------------------------------------------------------------- figures
def plot_command(args: argparse.Namespace) -> int:
    """Draw the figures and print where they went."""
    options = _options(args)
    source = open_results(args.directory)
    figures = Path(args.directory) / FIGURES_DIR
    why = unwritable_reason(figures / "figure" if figures.is_dir() else figures)
    if why is not None:
        raise ResultsError(f"{args.directory}: cannot write the figures: {why}")
    drawn, skipped = draw_figures(source, tuple(args.kinds), options)
    for path in save_figures(drawn, args.directory, args.image_format, dpi=args.dpi):
        print(f"wrote {path}")
    for kind, reason in skipped.items():
        print(f"skipped {kind}: {reason}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    """Write the report and print where it went."""
    from computemarket.results.report import write_report

    path = write_report(args.directory, args.out, tuple(args.kinds), _options(args))
    print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------------------------- sweep tables
def _show(frame: pd.DataFrame, max_rows: int | None = 80) -> str:
    return frame.to_string(index=False, max_rows=max_rows, float_format=lambda v: f"{v:.4g}")


def _csv_path(text: str | None, default: Path) -> Path:
    """Where a table goes, checked before any work: a file in an existing, writable folder."""
    path = Path(text) if text else default
    if text and path.suffix.lower() != ".csv":
        raise ResultsError(f"--csv {text}: expected a file name ending in .csv")
    if default.parent.is_dir() or text:
        why = unwritable_reason(path)
        if why is not None:
            raise ResultsError(f"--csv {path}: cannot write the table: {why}")
    return path


def _write_tables(tables: dict[Path, pd.DataFrame]) -> None:
    """Write CSV tables that belong together: all of them or, on a failure, none."""
    paths = list(tables)
    with atomic_paths(paths, clean=True) as temporaries:
        for table, tmp in zip(tables.values(), temporaries, strict=True):
            table.to_csv(tmp, index=False)


def summarize_command(args: argparse.Namespace) -> int:
    """``computemarket summarize``: per-point summaries printed and written to CSV.

    With one time and at most one ``--versus``, the tables are printed as they are written. With
    several times (``--after 1 2 5 10``) or references, the CSV tables gain an ``after`` (or
    ``year``) and a ``versus`` column, and the terminal shows wide tables, one column per time.
    """
    from computemarket.results.effects import (
        effects_at,
        parse_versus,
        summary_at,
        times,
        wide_effects,
        wide_shares,
        wide_summary,
    )
    from computemarket.results.load import load, when_text

    thresholds = [Threshold.parse(t) for t in args.threshold or []]
    versus = list(args.versus or [])
    for text in versus:
        parse_versus(text)
    whens = times(args.year, args.after)
    csv_path = _csv_path(args.csv, Path(args.directory) / SUMMARY_CSV)
    results = load(args.directory)
    several = len(whens) > 1 or len(versus) > 1
    when = ", ".join(when_text(w.year, w.after, results.years) for w in whens)
    summary = summary_at(results, args.metric, whens, args.confidence)
    tables: dict[Path, pd.DataFrame] = {csv_path: summary}
    sections = []
    if thresholds:
        crossings = []
        for threshold in thresholds:
            condition = f"{threshold.metric} {'<' if threshold.below else '>'} {threshold.value:g}"
            for w in whens:
                table = results.crossing(
                    threshold.metric,
                    threshold.value,
                    year=w.year,
                    after=w.after,
                    below=threshold.below,
                    confidence=args.confidence,
                )
                sections.append(
                    (
                        f"{condition} at {when_text(w.year, w.after, results.years)}: p_at = "
                        "share of runs past it then, p_by = share past it by then",
                        table,
                        80,
                    )
                )
                if len(whens) > 1:
                    table = table.assign(**{w.column: w.value})
                crossings.append(table.assign(condition=condition))
        tables[csv_path.with_name(csv_path.stem + "-crossing.csv")] = pd.concat(
            crossings, ignore_index=True
        )
    if versus:
        effects = effects_at(results, versus, args.metric, whens, args.confidence)
        tables[csv_path.with_name(csv_path.stem + "-effects.csv")] = effects
        against = " and ".join(versus)
        heading = (
            f"paired effects against {against} at {when} "
            f"({args.confidence:.0%} CI of the mean difference over seeds"
        )
        factors = list(dict.fromkeys(text.partition("=")[0] for text in versus))
        if several:
            # one row per reference, value and metric: short enough to show whole
            sections.append((heading + "; * p <= 0.05)", wide_effects(effects, factors), None))
        else:
            sections.append((heading + ")", effects, 80))
        if "cells" in effects.columns:
            sections.append(
                (
                    "share of the other factors' points where the effect is significantly "
                    "positive (+), negative (-) or not significant (n.s.), paired t-test over "
                    "each point's seeds at 5%",
                    wide_shares(effects, factors),
                    None,
                )
            )
    _write_tables(tables)  # only once every table is computed: a bad option writes nothing
    status = results.design["status"].value_counts()
    print(
        f"{results.name}: {status.get('ok', 0)} runs ok, {status.get('failed', 0)} failed, "
        f"{status.get('pending', 0)} pending; values at {when}, {args.confidence:.0%} CI over seeds"
    )
    print(_show(wide_summary(summary, results.factors) if several else summary))
    for heading, table, rows in sections:
        print(f"\n{heading}")
        print(_show(table, rows))
    print(f"\nwrote {', '.join(map(str, tables))}")
    return 0


def sensitivity_command(args: argparse.Namespace) -> int:
    """``computemarket sensitivity``: SALib indices of one metric, printed and written to CSV."""
    from computemarket.results.effects import factor_value, parse_versus
    from computemarket.results.load import load, when_text

    versus = parse_versus(args.versus) if args.versus else None
    name = args.metric if versus is None else f"{args.metric}-versus-{versus[1]}"
    csv_path = _csv_path(args.csv, Path(args.directory) / SENSITIVITY_CSV.format(metric=name))
    results = load(args.directory)
    if versus is not None:
        versus = (versus[0], factor_value(results, *versus))
    table = results.sensitivity(
        args.metric,
        year=args.year,
        after=args.after,
        confidence=args.confidence,
        versus=versus,
    )
    _write_tables({csv_path: table})
    method = (
        "Sobol' indices (first order S1, total ST; *_conf = CI half-width)"
        if "S1" in table
        else "Morris effects"
    )
    what = args.metric if versus is None else f"the effect on {args.metric} against {args.versus}"
    print(
        f"{results.name}: {method} of {what} at {when_text(args.year, args.after, results.years)}"
    )
    print(_show(table))
    print(f"\nwrote {csv_path}")
    return 0


def discover_command(args: argparse.Namespace) -> int:
    """``computemarket discover``: PRIM's boxes printed, the trajectory and the box drawn."""
    from computemarket.results.discovery import (
        discover,
        discovery_figure,
        limits_text,
        trajectory_text,
    )
    from computemarket.results.figures_sweep import sweep_title
    from computemarket.results.load import load

    below = args.below is not None
    threshold = Threshold(args.metric, args.below if below else args.above, below)
    results = load(args.directory)
    found = discover(
        results,
        args.metric,
        threshold.value,
        below=below,
        year=args.year,
        after=args.after,
        box=args.box,
    )
    figures = Path(args.directory) / FIGURES_DIR
    why = unwritable_reason(figures / "figure" if figures.is_dir() else figures)
    if why is not None:
        raise ResultsError(f"{args.directory}: cannot write the figure: {why}")
    figure = discovery_figure(found, sweep_title(results))
    drawn = DrawnFigure("discover", f"discover-{threshold.slug}", figure)
    (path,) = save_figures([drawn], args.directory, args.image_format)
    share = found.hits / found.runs
    print(
        f"{results.name}: {found.condition} at {found.when}: {found.hits} of {found.runs} "
        f"runs ({share:.0%}); PRIM over {len(results.factors)} factors (EMA Workbench)"
    )
    print(
        "\nboxes of the peeling trajectory: coverage = share of the runs of interest in the box, "
        "density = share of the box's runs that are of interest, mass = share of all runs in the "
        "box; * = shown"
    )
    print(trajectory_text(found).to_string(index=False))
    print(f"\nbox {found.chosen}: the limits of the factors it restricts")
    limits = limits_text(found)
    print(limits.to_string(index=False) if len(limits) else "(none: every run)")
    print(f"\nwrote {path}")
    return 0
