"""`computemarket validate`: every check passes, and docs/validation.md is exactly what it writes."""

from pathlib import Path

import pytest

from computemarket.cli import main
from computemarket.validation import render_markdown, validate
from computemarket.validation.backcast import GROUP
from computemarket.validation.report import DEFAULT_SEEDS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


@pytest.fixture(scope="module")
def rows():
    return validate(seeds=DEFAULT_SEEDS, workers=1)


def test_every_check_passes(rows):
    failed = [f"{r.group}: {r.name}: {r.measured} ({r.error})" for r in rows if r.status == "fail"]
    assert not failed


def test_the_table_covers_what_the_issue_asks(rows):
    groups = {r.group for r in rows}
    assert groups == {
        "calibration (2025Q4)",
        "first year (2026), out of sample",
        "stylized facts",
        "sensitivity (years 9-10)",
        GROUP,
    }
    names = " | ".join(r.name for r in rows)
    for needle in (
        "AWS share of the cloud market",
        "Big-4 capex in 2026",
        "Anthropic annualised revenue",
        "Switching frictions raise cloud concentration",
        "Switching frictions lower switching",
        "Tied investment raises lock-in",
        "Tied investment raises circularity",
        "structural-separation removes circularity",
        "no-tied-investment removes circularity",
        "A demand shock in year 3 bankrupts labs",
        "hits the most circular investors hardest",
        "Symmetric market without deals stays unconcentrated",
        "share of the cloud market, 2025Q4 (held out)",
        "(fitted)",
    ):
        assert needle in names
    assert all(r.status in {"pass", "fail", "info", "miss"} for r in rows)
    assert sum(r.group == GROUP for r in rows) >= 8
    assert sum(r.group.startswith("sensitivity") for r in rows) >= 5


def test_committed_page_is_what_the_command_writes(rows):
    assert DOCS.read_text(encoding="utf-8") == render_markdown(rows, DEFAULT_SEEDS), (
        "docs/validation.md is stale: run `computemarket validate` and commit it"
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["validate", "--seeds", "0"], "--seeds"),
        (["validate", "--workers", "x"], "--workers"),
        (["validate", "--out", "/nonexistent/folder/validation.md"], "--out"),
    ],
)
def test_bad_options_get_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err


def test_too_few_seeds_is_a_clear_error():
    with pytest.raises(ValueError, match="--seeds"):
        validate(seeds=2)
