"""Command-line subcommands ``sweep`` and ``experiments``.

``computemarket.cli`` adds them with :func:`add_commands`; ``python -m computemarket.experiments``
runs them on their own. Each command returns its exit code; user errors raise
:class:`~computemarket.experiments.spec.ExperimentError` (a
:class:`~computemarket.errors.UserError`) with a one-line message. Reading a sweep back
(``summarize``, ``sensitivity``) is :mod:`computemarket.results.commands`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from computemarket.errors import EXIT_BAD_INPUT, PROG, UserError, interrupt_exit_code, one_line
from computemarket.experiments.spec import SAMPLERS
from computemarket.options import MAX_WORKERS, integer_range, positive_integer, worker_count
from computemarket.simulation.parameters import find_parameter


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
        "--workers",
        type=worker_count,
        metavar="N",
        help=f"worker processes, 1 to {MAX_WORKERS} (default: the CPUs available)",
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
        type=positive_integer,
        metavar="N",
        help="run only the first N rows of the design (a quick look)",
    )
    horizon = find_parameter("market.years")
    sweep.add_argument(
        "--years",
        type=integer_range(int(horizon.low), int(horizon.high)),
        metavar="Y",
        help=f"override the experiment's horizon (years, {horizon.low:g}-{horizon.high:g})",
    )
    sweep.add_argument(
        "--seeds",
        type=positive_integer,
        metavar="N",
        help="override the experiment's seeds per point",
    )
    sweep.add_argument(
        "--chunk",
        type=positive_integer,
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


# ------------------------------------------------------------------------------------------ commands
def sweep_command(args: argparse.Namespace) -> int:
    """``computemarket sweep``: run (or resume) an experiment; exit 0 if every run finished."""
    from computemarket.experiments.engine import sweep
    from computemarket.experiments.spec import load_experiment
    from computemarket.experiments.worker import simulate
    from computemarket.store.layout import StoreError
    from computemarket.store.sweeps import read_manifest

    spec = load_experiment(args.experiment)
    if args.years is not None or args.seeds is not None:
        spec = spec.replace(years=args.years, seeds=args.seeds)
    elif args.resume:
        # --years and --seeds are recorded with the sweep: resuming repeats them unless given again
        try:
            stored = read_manifest(Path(args.out) if args.out else Path("results") / spec.name)
        except StoreError:  # damaged: the sweep rebuilds it; give --years/--seeds if they differ
            stored = None
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
    except KeyboardInterrupt as interrupt:
        print(f"{PROG}: interrupted before any task ran", file=sys.stderr)
        return interrupt_exit_code(interrupt)
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
    except UserError as err:
        print(f"{PROG}: error: {one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
