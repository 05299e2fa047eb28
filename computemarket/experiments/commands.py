"""Command-line subcommands: ``sweep``, ``experiments``, ``summarize`` and ``sensitivity``.

``computemarket.cli`` adds them with :func:`add_commands`; ``python -m computemarket.experiments``
runs them on their own. Each command returns its exit code; user errors raise
:class:`~computemarket.experiments.spec.ExperimentError` (a ``ValueError``) with a one-line message.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from computemarket.experiments.spec import SAMPLERS, ExperimentError
from computemarket.results.compare import ComparisonError
from computemarket.simulation.scenario import ScenarioError

USER_ERRORS = (ExperimentError, ComparisonError)
"""Errors the command line reports as bad input (one line, exit code 2)."""

_THRESHOLD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*([<>])\s*([-+0-9.eE_,]+)\s*$")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the experiment subcommands to an argparse ``add_subparsers()`` object."""
    sweep = subparsers.add_parser(
        "sweep",
        help="run an experiment: many runs over a design of parameter points and seeds",
        description="Run every row of an experiment's design (point x seed), one Parquet file per task, "
        "locally in worker processes or on a Dask cluster. Kill it at any time; --resume finishes it.",
    )
    sweep.add_argument(
        "experiment",
        metavar="SPEC|NAME",
        help="shipped experiment name (see `computemarket experiments`) or a .toml file",
    )
    sweep.add_argument("--out", metavar="DIR", help="output folder (default: results/<name>)")
    sweep.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: the CPUs available)"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs computemarket[cluster])",
    )
    where.add_argument(
        "--dask-local",
        action="store_true",
        help="run on a new local Dask cluster of --workers processes",
    )
    again = sweep.add_mutually_exclusive_group()
    again.add_argument(
        "--resume",
        action="store_true",
        help="finish a sweep already in DIR without re-running finished tasks",
    )
    again.add_argument(
        "--overwrite",
        action="store_true",
        help="delete a sweep already in DIR (with its figures and report) and start again",
    )
    sweep.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run again the tasks that had failed runs",
    )
    sweep.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="run only the first N rows of the design (a quick look)",
    )
    sweep.add_argument("--years", type=int, metavar="Y", help="override the experiment's horizon")
    sweep.add_argument(
        "--seeds", type=int, metavar="N", help="override the experiment's seeds per point"
    )
    sweep.add_argument(
        "--chunk",
        type=int,
        metavar="RUNS",
        help="runs per task (default 8); fixed when DIR is created",
    )
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=sweep_command)

    experiments = subparsers.add_parser(
        "experiments",
        help="list the shipped experiments",
        description="List the shipped experiments and their sizes.",
    )
    experiments.set_defaults(func=experiments_command)

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


# ------------------------------------------------------------------------------------------ commands
def sweep_command(args: argparse.Namespace) -> int:
    """``computemarket sweep``: run (or resume) an experiment; exit 0 if every run finished."""
    from computemarket.experiments.engine import sweep
    from computemarket.experiments.spec import load_experiment
    from computemarket.experiments.store import read_manifest
    from computemarket.experiments.worker import simulate

    spec = load_experiment(args.experiment)
    if args.years is not None or args.seeds is not None:
        spec = spec.replace(years=args.years, seeds=args.seeds)
    elif args.resume:
        # --years and --seeds are recorded with the sweep: resuming repeats them unless given again
        stored = read_manifest(Path(args.out) if args.out else Path("results") / spec.name)
        if stored is not None:
            recorded = stored.get("spec", {})
            spec = spec.replace(years=recorded.get("years"), seeds=recorded.get("seeds"))
    try:
        report = sweep(
            spec,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
            resume=args.resume,
            overwrite=args.overwrite,
            retry_failed=args.retry_failed,
            limit=args.limit,
            runs_per_task=args.chunk,
            progress=not args.no_progress,
            run_fn=getattr(args, "run_fn", None) or simulate,
            log=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except KeyboardInterrupt:
        print("interrupted before any task ran", file=sys.stderr)
        return 130
    for line in report.summary_lines():
        print(line)
    return report.exit_code


def experiments_command(args: argparse.Namespace) -> int:
    """``computemarket experiments``: list the shipped experiments with their sizes."""
    from computemarket.experiments.samplers import design_points
    from computemarket.experiments.spec import list_experiments, load_experiment

    rows = []
    for name, description in list_experiments().items():
        spec = load_experiment(name)
        points = len(design_points(spec))
        rows.append(
            (
                name,
                spec.sampler,
                f"{points} x {spec.seeds} = {points * spec.seeds}",
                f"{spec.years}",
                description,
            )
        )
    widths = [
        max(len(r[i]) for r in [("name", "design", "points x seeds = runs", "years", ""), *rows])
        for i in range(4)
    ]
    header = ("name", "design", "points x seeds = runs", "years")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  description")
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    print(
        f"\nsamplers: {', '.join(SAMPLERS)}. Run one with: computemarket sweep NAME [--workers N] [--limit N]"
    )
    return 0


def _parse_threshold(text: str) -> tuple[str, bool, float]:
    match = _THRESHOLD.match(text)
    if not match:
        raise ExperimentError(
            f"--threshold {text!r}: expected METRIC>VALUE or METRIC<VALUE, e.g. cloud_hhi>1800"
        )
    metric, op, value = match.groups()
    try:
        number = float(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise ExperimentError(f"--threshold {text!r}: {value!r} is not a number") from None
    return metric, op == "<", number


def _show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, max_rows=80, float_format=lambda v: f"{v:.4g}")


def summarize_command(args: argparse.Namespace) -> int:
    """``computemarket summarize``: per-point summaries printed and written to CSV."""
    from computemarket.results.load import load

    if not 0 < args.confidence < 1:
        raise ExperimentError(
            f"--confidence: {args.confidence} is out of range (allowed: between 0 and 1)"
        )
    thresholds = [_parse_threshold(t) for t in args.threshold or []]
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
        for metric, below, value in thresholds:
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
            raise ExperimentError(
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
        raise ExperimentError(
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


# ---------------------------------------------------------------------------------------- standalone
def main(argv: Sequence[str] | None = None, *, run_fn: object = None) -> int:
    """Run the experiment subcommands on their own (``python -m computemarket.experiments``).

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
        run_fn: A stand-in for the model in ``sweep`` (for testing the machinery alone).

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(prog="computemarket", description="computemarket experiments")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    if run_fn is not None:
        args.run_fn = run_fn
    try:
        return args.func(args)
    except (ExperimentError, ScenarioError) as err:
        print(f"computemarket: error: {err}", file=sys.stderr)
        return 2
