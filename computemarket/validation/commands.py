"""``computemarket validate``: run the validation and write its table into an output folder.

The folder (default ``results/validation``) receives ``validation.md`` (the page), ``checks.csv``
(one row per check) and ``manifest.json`` (seeds, command, provenance), written together and
atomically. The folder must be new, empty or hold a previous validation. ``make validation-docs``
copies the page to ``docs/validation.md``; the command itself never writes into ``docs/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import shlex
from pathlib import Path

import pandas as pd

from computemarket.errors import UserError
from computemarket.options import MAX_SEEDS, MAX_WORKERS, integer_range, worker_count
from computemarket.store.files import atomic_paths, check_creatable
from computemarket.store.layout import MANIFEST, VALIDATION_FORMAT, claim_folder
from computemarket.store.provenance import provenance
from computemarket.validation.report import (
    DEFAULT_SEEDS,
    MIN_SEEDS,
    render_markdown,
    render_table,
    timed_validate,
)

DEFAULT_OUTPUT = Path("results") / "validation"
PAGE = "validation.md"
TABLE = "checks.csv"


class ValidationInputError(UserError):
    """A bad option of ``computemarket validate`` (one-line message)."""


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="check the calibrated market against its sources and the model against stylized facts",
        description=(
            "Run the validation: calibrated-2025 against the 2025 data and 2026 figures, stylized facts "
            "over paired seeds with statistical tests, and sensitivity to the least certain parameters. "
            f"Prints the table and writes {PAGE}, {TABLE} and {MANIFEST} into the output folder "
            "(`make validation-docs` copies the page to docs/validation.md). Exit code 1 if any "
            "check fails."
        ),
    )
    parser.add_argument(
        "--seeds",
        type=integer_range(MIN_SEEDS, MAX_SEEDS),
        default=DEFAULT_SEEDS,
        help=f"paired seeds per condition, {MIN_SEEDS} to {MAX_SEEDS} (default: {DEFAULT_SEEDS})",
    )
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=min(2, os.cpu_count() or 1),
        help=f"processes, 1 to {MAX_WORKERS} (default: up to 2)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUTPUT,
        help=f"output folder: new, empty or a previous validation's (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.set_defaults(func=run_validate)


def check_output_folder(out: Path) -> None:
    """Check, before any run, that the validation can be written to ``out``.

    Raises:
        ValidationInputError: If ``out`` is a file, holds something other than a validation, or
            cannot be written.
    """
    claim_folder(out, "validation", ValidationInputError, f"--out {out}")
    check_creatable(out, ValidationInputError, f"--out {out}")


def run_validate(args: argparse.Namespace) -> int:
    """Run the checks, print the table, write the folder atomically; 1 if any check fails."""
    if not args.no_write:
        check_output_folder(args.out)
    rows, seconds = timed_validate(args.seeds, args.workers)
    print(render_table(rows))
    print(f"({seconds:.0f} s)")
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        table = io.StringIO()
        pd.DataFrame([dataclasses.asdict(row) for row in rows]).to_csv(table, index=False)
        manifest = {
            "format": VALIDATION_FORMAT,
            "seeds": args.seeds,
            "command": shlex.join(getattr(args, "command_line", ["computemarket", "validate"])),
            "passed": sum(r.status == "pass" for r in rows),
            "failed": sum(r.status == "fail" for r in rows),
            "reported": sum(r.status == "info" for r in rows),
            "wall_time_s": round(seconds, 1),
            **provenance(),
        }
        texts = {
            PAGE: render_markdown(rows, args.seeds),
            TABLE: table.getvalue(),
            MANIFEST: json.dumps(manifest, indent=2) + "\n",
        }
        with atomic_paths([args.out / name for name in texts], clean=True) as temporaries:
            for text, tmp in zip(texts.values(), temporaries, strict=True):
                tmp.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {', '.join(texts)}")
    return 1 if any(r.status == "fail" for r in rows) else 0
