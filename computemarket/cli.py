"""The ``computemarket`` command line.

Each subcommand is registered by a small ``add_*`` function that adds its parser and sets
``func`` (a function taking the parsed arguments and returning an exit code), as in the argparse
documentation. Commands of other parts of the package join through an ``add_commands(subparsers)``
function in their own module, imported only if that module exists.

Bad input never shows a traceback: every :class:`~computemarket.errors.UserError` is reported as
one line, ``computemarket: error: <message>``, with exit code 2, before any output is written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from computemarket.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    PROG,
    CommandError,
    UserError,
    one_line,
)
from computemarket.simulation.metrics import HHI_HIGH, HHI_MODERATE
from computemarket.simulation.parameters import find_parameter
from computemarket.simulation.scenario import (
    DEFAULT_SEED,
    list_rule_presets,
    list_scenarios,
    load_scenario,
    parse_override,
)

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_RESULTS_DIR = Path("results")
"""Parent folder of ``computemarket run``'s default output folder, ``results/<scenario>``."""

# Modules that may contribute subcommands through ``add_commands(subparsers)``; absent ones are
# skipped, so the command line works before they are written.
COMMAND_MODULES = (
    "computemarket.experiments.commands",
    "computemarket.classroom.commands",
    "computemarket.results.commands",
    "computemarket.validation.commands",
)

__all__ = [
    "DEFAULT_SEED",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "PROG",
    "CommandError",
    "build_parser",
    "main",
]


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, raised for :func:`main` to report."""

    def error(self, message: str) -> NoReturn:
        """Raise the usage error instead of printing the usage block and exiting."""
        raise CommandError(f"{message} (see '{self.prog} --help')")


# -------------------------------------------------------------------------------- argument types
def _schema_range(path: str) -> tuple[float, float]:
    """The allowed range of a scenario parameter, from the schema (its single source of truth)."""
    parameter = find_parameter(path)
    return parameter.low, parameter.high


def years_argument(text: str) -> int:
    """Parse ``--years``: a whole number of years in the range of ``market.years``.

    Args:
        text: The argument as typed.

    Returns:
        The horizon in years.

    Raises:
        argparse.ArgumentTypeError: If it is not an integer in range.
    """
    low, high = _schema_range("market.years")
    allowed = f"an integer from {low:g} to {high:g} (market.years)"
    try:
        years = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None
    if not low <= years <= high:
        raise argparse.ArgumentTypeError(f"expected {allowed}, got {years}")
    return years


def seed_argument(text: str) -> int:
    """Parse ``--seed``: a non-negative integer.

    Args:
        text: The argument as typed.

    Returns:
        The seed.

    Raises:
        argparse.ArgumentTypeError: If it is not a non-negative integer.
    """
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {seed}")
    return seed


# ------------------------------------------------------------------------------------- scenarios
def add_scenarios_command(subparsers: Any) -> None:
    """Register ``computemarket scenarios``."""
    parser = subparsers.add_parser(
        "scenarios",
        help="list the shipped scenarios and rules presets",
        description="List the shipped scenarios and rules presets with one-line descriptions.",
    )
    parser.set_defaults(func=scenarios_command)


def _print_catalogue(heading: str, entries: dict[str, str]) -> None:
    print(heading)
    width = max(map(len, entries), default=0)
    for name, description in entries.items():
        print(f"  {name:<{width}}  {description}")


def scenarios_command(args: argparse.Namespace) -> int:
    """List scenarios and rules presets."""
    _print_catalogue(f"Scenarios ({PROG} run NAME):", list_scenarios())
    print()
    _print_catalogue(f"Rules presets ({PROG} run NAME --rules PRESET):", list_rule_presets())
    return EXIT_OK


# ------------------------------------------------------------------------------------------- run
def add_run_command(subparsers: Any) -> None:
    """Register ``computemarket run``."""
    parser = subparsers.add_parser(
        "run",
        help="run one scenario and write its tables and summary figure",
        description=(
            "Run one scenario and write metrics.parquet, agents.parquet, ledger.parquet, "
            "deals.parquet, manifest.json and summary.png to the output folder. A previous run "
            "in that folder is replaced only once the new one is complete."
        ),
    )
    parser.add_argument(
        "scenario",
        metavar="SCENARIO|FILE",
        help=f"a shipped scenario (see '{PROG} scenarios') or a path to a .toml file",
    )
    parser.add_argument(
        "--rules",
        metavar="PRESET|FILE",
        help="a rules preset laid over the scenario, or a path to a .toml file",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override a parameter by its dotted path, e.g. rules.switching_cost=0.3 (repeatable)",
    )
    low, high = _schema_range("market.years")
    parser.add_argument(
        "--years",
        type=years_argument,
        help=f"horizon in years, {low:g}-{high:g} (default: the scenario's market.years)",
    )
    parser.add_argument(
        "--seed",
        type=seed_argument,
        default=DEFAULT_SEED,
        help="seed of the random number generators, a non-negative integer (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help=f"output folder (default: {DEFAULT_RESULTS_DIR}/<scenario name>)",
    )
    parser.set_defaults(func=run_command)


def _concentration_band(hhi: float) -> str:
    # US 2023 Merger Guidelines thresholds, as drawn in the summary figure.
    if hhi > HHI_HIGH:
        return "highly concentrated"
    return "moderately concentrated" if hhi >= HHI_MODERATE else "unconcentrated"


def summary_lines(metrics: pd.DataFrame) -> list[str]:
    """A few lines on the last quarter of a run, for the terminal.

    Args:
        metrics: Metrics table, one row per quarter.

    Returns:
        Lines of text (without newlines); columns the table lacks are left out.
    """
    if metrics.empty:
        return []
    last = metrics.iloc[-1]
    when = f"year {last['year']:g}" if "year" in last else f"quarter {last['quarter']:g}"
    lines = []
    for column, label in (("cloud_hhi", "cloud HHI (AI compute)"), ("model_hhi", "model HHI")):
        if column in last:
            lines.append(f"{label}: {last[column]:,.0f} ({_concentration_band(last[column])})")
    formats: list[tuple[str, str, Callable[[float], str]]] = [
        ("cloud_cr1", "largest cloud's share", lambda v: f"{v:.0%}"),
        ("active_labs", "active labs", lambda v: f"{v:g}"),
        ("locked_share", "locked-in share of lab spend", lambda v: f"{v:.0%}"),
        ("roundtrip_ratio", "round-trip ratio", lambda v: f"{v:.2f}"),
        ("circular_revenue_share", "round-tripped share of AI revenue", lambda v: f"{v:.0%}"),
    ]
    lines += [f"{label}: {fmt(last[column])}" for column, label, fmt in formats if column in last]
    return [f"At the end ({when}):", *(f"  {line}" for line in lines)]


def run_command(args: argparse.Namespace) -> int:
    """Validate everything, run the scenario, write the run folder and print a summary."""
    from computemarket.results.run_folder import write_run
    from computemarket.store.runs import OutputDirError, check_output_dir

    overrides = [parse_override(text) for text in args.overrides]
    # Validate the scenario now so that a bad one fails before any work or any folder is made.
    scenario = load_scenario(args.scenario, rules=args.rules, overrides=overrides)
    out_dir = args.out if args.out is not None else DEFAULT_RESULTS_DIR / scenario.name
    try:
        check_output_dir(out_dir)
    except OutputDirError as err:
        raise CommandError(f"--out: {err}") from None

    from computemarket.simulation.runner import run  # imports the model: only when running

    # The resolved scenario, not the file again: what was validated is exactly what runs.
    result = run(scenario, years=args.years, seed=args.seed)
    try:
        write_run(result, out_dir, command=args.command_line)
    except OutputDirError as err:  # the folder changed while the model ran
        raise CommandError(f"--out: {err}") from None
    except OSError as err:
        print(f"{PROG}: error: could not write {out_dir}: {err}", file=sys.stderr)
        return EXIT_FAILED
    rules = result.scenario.rules_preset or "the scenario's own rules"
    print(
        f"Ran {result.scenario.name} with {rules}, seed {result.seed}, {result.years} years "
        f"in {result.wall_time_s:.2g} s."
    )
    print(f"Wrote {out_dir}: metrics, agents, ledger, deals (.parquet), manifest.json, summary.png")
    for line in summary_lines(result.metrics):
        print(line)
    return EXIT_OK


# ------------------------------------------------------------------------------------------ main
def _add_optional_commands(subparsers: Any) -> None:
    """Let other modules add their subcommands."""
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            # Only a missing module itself is skipped; a broken import inside it must show.
            if err.name == module_name or module_name.startswith(f"{err.name}."):
                continue
            raise
        module.add_commands(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available subcommand."""
    parser = _OneLineParser(
        prog=PROG,
        description="Agent-based model of hyperscalers and AI labs trading capital for compute.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_scenarios_command(subparsers)
    add_run_command(subparsers)
    _add_optional_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        Exit code: 0 on success, 1 if a run failed while writing, 2 on bad input, 130 if
        interrupted.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(arguments)
        except SystemExit as done:  # --help prints and exits; hand its code back
            return done.code if isinstance(done.code, int) else EXIT_OK
        args.command_line = [PROG, *arguments]
        return args.func(args)
    except UserError as err:
        print(f"{PROG}: error: {one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # the run folder is untouched: write_run cleans up its staging folder
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
