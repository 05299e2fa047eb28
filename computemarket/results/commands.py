"""Command-line subcommands ``plot`` and ``report``: figures and an HTML report of a run or sweep.

``computemarket.cli`` adds them with :func:`add_commands`. Bad input (a missing folder, a folder
that holds neither a run nor a sweep, an unknown figure kind, a bad option) raises
:class:`~computemarket.results.source.FigureError`, a ``ValueError`` reported on one line with
exit code 2.
"""

from __future__ import annotations

import argparse

from computemarket.experiments.spec import ExperimentError
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
from computemarket.results.source import FIGURES_DIR, FigureError, open_results

USER_ERRORS = (FigureError, ExperimentError)
"""Errors the command line reports as bad input (one line, exit code 2)."""


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
    """Add ``plot`` and ``report`` to an argparse ``add_subparsers()`` object."""
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
