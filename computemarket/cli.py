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
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from computemarket.errors import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    PROG,
    CommandError,
    MachineError,
    Terminated,
    UserError,
    interrupt_exit_code,
    one_line,
)
from computemarket.options import non_negative_integer
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
    "EXIT_BROKEN_PIPE",
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

    Raises:
        argparse.ArgumentTypeError: If it is not a non-negative integer.
    """
    return non_negative_integer(text)


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
        help=f"output folder: new, empty or a previous run's (default: {DEFAULT_RESULTS_DIR}/<scenario name>)",
    )
    parser.set_defaults(func=run_command)


def _concentration_band(hhi: float) -> str:
    # US 2023 Merger Guidelines thresholds, as drawn in the summary figure.
    from computemarket.simulation.metrics import HHI_HIGH, HHI_MODERATE

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
    from computemarket.store.runs import OutputDirError, check_output_dir

    overrides = [parse_override(text) for text in args.overrides]
    # Validate the scenario now so that a bad one fails before any work or any folder is made.
    scenario = load_scenario(args.scenario, rules=args.rules, overrides=overrides)
    out_dir = args.out if args.out is not None else DEFAULT_RESULTS_DIR / scenario.name
    try:
        check_output_dir(out_dir)
    except OutputDirError as err:
        raise CommandError(f"--out: {err}") from None

    from computemarket.results.run_folder import write_run
    from computemarket.simulation.runner import run  # imports the model: only when running

    # The resolved scenario, not the file again: what was validated is exactly what runs.
    years = args.years if args.years is not None else scenario.market.years
    with quarter_bar(scenario.name, 4 * years) as progress:
        result = run(scenario, years=args.years, seed=args.seed, progress=progress)
    try:
        write_run(result, out_dir, command=args.command_line)
    except OutputDirError as err:  # the folder changed while the model ran
        raise CommandError(f"--out: {err}") from None
    except OSError as err:
        raise MachineError(f"could not write {out_dir}: {one_line(err)}") from None
    rules = result.scenario.rules_preset or "the scenario's own rules"
    print(
        f"Ran {result.scenario.name} with {rules}, seed {result.seed}, {result.years} years "
        f"in {result.wall_time_s:.2g} s."
    )
    print(f"Wrote {out_dir}: metrics, agents, ledger, deals (.parquet), manifest.json, summary.png")
    for line in summary_lines(result.metrics):
        print(line)
    return EXIT_OK


@contextlib.contextmanager
def quarter_bar(name: str, quarters: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over a run's quarters (see :mod:`computemarket.progress`).

    Yields the ``progress`` callback of :func:`computemarket.simulation.runner.run`.
    """
    from computemarket.progress import progress_bar

    with progress_bar(desc=name, unit="quarter", total=quarters) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield progress


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


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM unwinds like Ctrl-C, so that every partial file is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _quiet_stdout() -> None:
    """After a closed pipe (``computemarket ... | head``), send what is left of stdout nowhere."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _report(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)


def _from_a_library(err: BaseException, *modules: str) -> bool:
    return any(type(err).__module__.split(".")[0] == module for module in modules)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Whatever happens, the user sees at most one line on stderr, never a traceback: bad input
    (:class:`~computemarket.errors.UserError`, a usage error) exits 2; a failure of the machine
    (disk full, a file system or network error, out of memory) exits 1; Ctrl-C exits 130 and
    SIGTERM 143, after every partial file is removed; a closed stdout pipe exits 141 quietly.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_sigint = signal.getsignal(signal.SIGINT) if in_main_thread else None
    try:
        with _sigterm_as_interrupt():
            parser = build_parser()
            try:
                args = parser.parse_args(arguments)
            except SystemExit as done:  # --help prints and exits; hand its code back
                return done.code if isinstance(done.code, int) else EXIT_OK
            args.command_line = [PROG, *arguments]
            code = args.func(args)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return code
    except KeyboardInterrupt as interrupt:
        if in_main_thread:  # a second Ctrl-C must not interrupt the goodbye
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        with contextlib.suppress(OSError, ValueError):
            print(f"{PROG}: interrupted", file=sys.stderr)
        return interrupt_exit_code(interrupt)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except UserError as err:
        _report(str(err))
        return EXIT_BAD_INPUT
    except MachineError as err:
        _report(str(err))
        return EXIT_FAILED
    except (OSError, MemoryError) as err:
        _report(_machine_message(err))
        return EXIT_FAILED
    except Exception as err:
        # Errors of the libraries at the boundary (a damaged Parquet file that slipped past the
        # checks, a Dask connection lost): one line, not a traceback. Anything else is a bug.
        if not _from_a_library(err, "pyarrow", "distributed", "tornado"):
            raise
        _report(f"{type(err).__name__}: {err}")
        return EXIT_FAILED
    finally:
        if in_main_thread and previous_sigint is not None:
            signal.signal(signal.SIGINT, previous_sigint)


def _machine_message(err: BaseException) -> str:
    if isinstance(err, MemoryError):
        return "out of memory (try a smaller design, fewer seeds or fewer workers)"
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror}"
    return f"{type(err).__name__}: {err}"


if __name__ == "__main__":
    sys.exit(main())
