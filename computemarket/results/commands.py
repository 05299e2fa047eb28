"""Command-line subcommands that read results: ``summarize``, ``sensitivity``, ``plot``, ``report``.

``computemarket.cli`` adds them with :func:`add_commands`. Bad input (a missing folder, a folder
that holds neither a run nor a sweep, an unknown figure kind, a bad option) raises a
:class:`~computemarket.results.errors.ResultsError`, reported on one line with exit code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from computemarket.results.errors import ResultsError
from computemarket.results.figures import (
    FORMATS,
    PNG_DPI,
    RUN_KINDS,
    SWEEP_KINDS,
    FigureOptions,
    Threshold,
    draw_figures,
    save_figures,
)
from computemarket.results.source import FIGURES_DIR, open_results


def _dpi(text: str) -> int:
    """Parse ``--dpi``: a whole number from 30 to 600."""
    try:
        dpi = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 30 to 600, got {text!r}"
        ) from None
    if not 30 <= dpi <= 600:
        raise argparse.ArgumentTypeError(f"expected a whole number from 30 to 600, got {dpi}")
    return dpi


def _kind_list() -> str:
    return f"run: {', '.join(RUN_KINDS)}; sweep: {', '.join(SWEEP_KINDS)}"


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
    parser.add_argument(
        "--year",
        type=float,
        metavar="Y",
        help="run: calendar year of the money flow (default: the last full year); sweep: years "
        "from the start for heatmaps, crossing and distributions (default: the horizon)",
    )
    parser.add_argument(
        "--quarter",
        type=int,
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


def _options(args: argparse.Namespace) -> FigureOptions:
    return FigureOptions(
        metrics=tuple(args.metrics),
        year=args.year,
        quarter=args.quarter,
        thresholds=tuple(Threshold.parse(text) for text in args.thresholds),
        factors=tuple(args.factors),
    )


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``summarize``, ``sensitivity``, ``plot`` and ``report`` to ``add_subparsers()``."""
    summarize = subparsers.add_parser(
        "summarize",
        help="per-point mean, sd and 95%% CI over seeds of a sweep; threshold crossing",
        description="Summarise a sweep per design point over its seeds, print the table and write CSV.",
    )
    summarize.add_argument("directory", metavar="DIR", help="a sweep's output folder")
    summarize.add_argument(
        "--metric",
        action="append",
        metavar="M",
        help="metric to summarise (repeatable; default: all kept)",
    )
    summarize.add_argument(
        "--year", type=float, metavar="Y", help="years from the start (default: the horizon)"
    )
    summarize.add_argument(
        "--threshold",
        action="append",
        metavar="M>V",
        help="probability and time of crossing, e.g. 'cloud_hhi>1800' (repeatable)",
    )
    summarize.add_argument(
        "--confidence", type=float, default=0.95, help="coverage of the intervals (default 0.95)"
    )
    summarize.add_argument(
        "--csv", metavar="PATH", help="where to write the summary (default: DIR/summary.csv)"
    )
    summarize.add_argument(
        "--versus",
        metavar="FACTOR=VALUE",
        help="also print each point's paired effect against this point, e.g. scenario=calibrated-2025",
    )
    summarize.set_defaults(func=summarize_command)

    sensitivity = subparsers.add_parser(
        "sensitivity",
        help="Sobol' indices or Morris effects of a sweep made with a saltelli or morris design",
        description="Global sensitivity analysis with SALib of one metric at one year, over the design points "
        "(the output per point is the mean over its seeds).",
    )
    sensitivity.add_argument("directory", metavar="DIR", help="a sweep's output folder")
    sensitivity.add_argument(
        "--metric", required=True, metavar="M", help="the metric to analyse, e.g. cloud_hhi"
    )
    sensitivity.add_argument(
        "--year", type=float, metavar="Y", help="years from the start (default: the horizon)"
    )
    sensitivity.add_argument(
        "--confidence", type=float, default=0.95, help="coverage of the bootstrap intervals"
    )
    sensitivity.add_argument(
        "--csv",
        metavar="PATH",
        help="where to write the indices (default: DIR/sensitivity-<metric>.csv)",
    )
    sensitivity.set_defaults(func=sensitivity_command)

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
        type=_dpi,
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
    report.add_argument("--out", metavar="FILE", help="the HTML file (default: DIR/report.html)")
    report.set_defaults(func=report_command)


def plot_command(args: argparse.Namespace) -> int:
    """Draw the figures and print where they went."""
    options = _options(args)
    source = open_results(args.directory)
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


# ------------------------------------------------------------------------------ sweep tables
def _show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, max_rows=80, float_format=lambda v: f"{v:.4g}")


def summarize_command(args: argparse.Namespace) -> int:
    """``computemarket summarize``: per-point summaries printed and written to CSV."""
    from computemarket.results.load import load

    if not 0 < args.confidence < 1:
        raise ResultsError(
            f"--confidence: {args.confidence} is out of range (allowed: between 0 and 1)"
        )
    thresholds = [Threshold.parse(t) for t in args.threshold or []]
    results = load(args.directory)
    summary = results.summary(args.metric, year=args.year, confidence=args.confidence)
    when = f"year {args.year:g}" if args.year is not None else f"year {results.years} (final)"
    status = results.design["status"].value_counts()
    print(
        f"{results.name}: {status.get('ok', 0)} runs ok, {status.get('failed', 0)} failed, "
        f"{status.get('pending', 0)} pending; values at {when}, {args.confidence:.0%} CI over seeds"
    )
    print(_show(summary))
    csv_path = Path(args.csv) if args.csv else Path(args.directory) / "summary.csv"
    summary.to_csv(csv_path, index=False)
    written = [str(csv_path)]
    if thresholds:
        tables = []
        for threshold in thresholds:
            metric, below, value = threshold.metric, threshold.below, threshold.value
            table = results.crossing(
                metric, value, year=args.year, below=below, confidence=args.confidence
            )
            condition = f"{metric} {'<' if below else '>'} {value:g}"
            print(
                f"\n{condition} at {when}: p_at = share of runs past it then, p_by = share past it by then"
            )
            print(_show(table))
            tables.append(table.assign(condition=condition))
        crossing_path = csv_path.with_name(csv_path.stem + "-crossing.csv")
        pd.concat(tables, ignore_index=True).to_csv(crossing_path, index=False)
        written.append(str(crossing_path))
    if args.versus:
        from computemarket.results.compare import paired_effects

        factor, sep, reference = args.versus.partition("=")
        if not sep or not factor or not reference:
            raise ResultsError(
                f"--versus {args.versus!r}: expected FACTOR=VALUE, e.g. scenario=calibrated-2025"
            )
        effects = paired_effects(
            results,
            factor,
            _factor_value(results, factor, reference),
            args.metric,
            year=args.year,
            confidence=args.confidence,
        )
        print(
            f"\npaired effects against {args.versus} at {when} ({args.confidence:.0%} CI of the mean difference over seeds)"
        )
        print(_show(effects))
        effects_path = csv_path.with_name(csv_path.stem + "-effects.csv")
        effects.to_csv(effects_path, index=False)
        written.append(str(effects_path))
    print(f"\nwrote {', '.join(written)}")
    return 0


def _factor_value(results: Any, factor: str, text: str) -> object:
    """The design's value of ``factor`` that ``text`` names (numbers are compared as numbers)."""
    if factor not in results.factors:
        return text
    for value in results.points[factor].unique():
        if str(value) == text:
            return value
        try:
            if float(value) == float(text):
                return value
        except (TypeError, ValueError):
            continue
    return text


def sensitivity_command(args: argparse.Namespace) -> int:
    """``computemarket sensitivity``: SALib indices of one metric, printed and written to CSV."""
    from computemarket.results.load import load

    if not 0 < args.confidence < 1:
        raise ResultsError(
            f"--confidence: {args.confidence} is out of range (allowed: between 0 and 1)"
        )
    results = load(args.directory)
    table = results.sensitivity(args.metric, year=args.year, confidence=args.confidence)
    when = f"year {args.year:g}" if args.year is not None else f"year {results.years} (final)"
    method = (
        "Sobol' indices (first order S1, total ST; *_conf = CI half-width)"
        if "S1" in table
        else "Morris effects"
    )
    print(f"{results.name}: {method} of {args.metric} at {when}")
    print(_show(table))
    csv_path = (
        Path(args.csv) if args.csv else Path(args.directory) / f"sensitivity-{args.metric}.csv"
    )
    table.to_csv(csv_path, index=False)
    print(f"\nwrote {csv_path}")
    return 0
