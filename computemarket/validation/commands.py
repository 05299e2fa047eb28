"""``computemarket validate``: run the validation and write ``docs/validation.md``."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from computemarket.errors import UserError
from computemarket.validation.report import (
    DEFAULT_SEEDS,
    render_markdown,
    render_table,
    timed_validate,
)


class ValidationInputError(UserError):
    """A bad option of ``computemarket validate`` (one-line message)."""


DEFAULT_OUTPUT = Path("docs") / "validation.md"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="check the calibrated market against its sources and the model against stylized facts",
        description=(
            "Run the validation: calibrated-2025 against the 2025 data and 2026 figures, stylized facts "
            "over paired seeds with statistical tests, and sensitivity to the least certain parameters. "
            "Prints the table and writes it as Markdown. Exit code 1 if any check fails."
        ),
    )
    parser.add_argument(
        "--seeds",
        type=_positive,
        default=DEFAULT_SEEDS,
        help=f"paired seeds per condition, at least 3 (default: {DEFAULT_SEEDS})",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=min(2, os.cpu_count() or 1),
        help="processes (default: up to 2)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"Markdown file to write (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Run the checks, print the table, write the Markdown atomically; 1 if any check fails."""
    if not args.no_write:
        folder = args.out.parent if str(args.out.parent) else Path(".")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ValidationInputError(
                f"--out {args.out}: folder {folder} does not exist or cannot be written"
            )
    rows, seconds = timed_validate(args.seeds, args.workers)
    print(render_table(rows))
    print(f"({seconds:.0f} s)")
    if not args.no_write:
        text = render_markdown(rows, args.seeds)
        with tempfile.NamedTemporaryFile(
            "w", dir=args.out.parent or ".", delete=False, suffix=".tmp", encoding="utf-8"
        ) as tmp:
            tmp.write(text)
        Path(tmp.name).replace(args.out)
        print(f"wrote {args.out}")
    return 1 if any(r.status == "fail" for r in rows) else 0
