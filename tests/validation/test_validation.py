"""`computemarket validate`: every check passes, and docs/validation.md is exactly what it writes."""

import json
from pathlib import Path

import pytest

from computemarket.cli import main
from computemarket.testing import folder_snapshot
from computemarket.validation import render_markdown, validate
from computemarket.validation.backcast import GROUP
from computemarket.validation.plausibility import GROUP as PLAUSIBILITY
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
        PLAUSIBILITY,
        GROUP,
    }
    names = " | ".join(r.name for r in rows)
    for needle in (
        "AWS share of the cloud market",
        "Amazon capex in 2026",
        "Microsoft capex in 2026",
        "AI capacity of the modelled providers in 2030",
        "largest debt per installed GW of a neocloud",
        "hyperscaler investment in labs in 2026",
        "annualised change of the compute price index",
        "labs' gross margin",
        "OpenAI's compute at the start",
        "endogenous deals per year",
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
    status = {(r.group, r.name): r.status for r in rows}
    # Rows that report without testing are info by construction; circularity is exactly 0 when
    # tied deals are banned; the model has no acqui-hires (0 labs acquired for 3 observed).
    assert all(r.status == "info" for r in rows if r.group.startswith("sensitivity"))
    assert status[("stylized facts", "structural-separation removes circularity")] == "pass"
    assert status[("stylized facts", "no-tied-investment removes circularity")] == "pass"
    laissez = "... with tied deals (laissez-faire), the same effect on cloud HHI"
    assert status[("stylized facts", laissez)] == "info"
    acquired = "Labs acquired by hyperscalers, 2024-2025 (held out)"
    assert status[(GROUP, acquired)] == "miss"
    assert sum(r.group == GROUP for r in rows) >= 8
    plausibility = [r for r in rows if r.group == PLAUSIBILITY]
    assert len(plausibility) == 26
    # Every held-out row is tested (pass or miss), the calibration targets pass or fail.
    # A reported row is info, never tested; calibration targets pass (or fail), held-out rows
    # pass or miss.
    for row in plausibility:
        if "reported)" in row.name:
            assert row.status == "info", row.name
        elif "calibration target" in row.name:
            assert row.status in {"pass", "fail"}, row.name
        else:
            assert row.status in {"pass", "miss"}, row.name
    assert sum("reported)" in row.name for row in plausibility) >= 1
    assert sum(r.group.startswith("sensitivity") for r in rows) >= 5


def test_committed_page_is_what_the_command_writes(rows):
    assert DOCS.read_text(encoding="utf-8") == render_markdown(rows, DEFAULT_SEEDS), (
        "docs/validation.md is stale: run `computemarket validate` and commit it"
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["validate", "--seeds", "0"], "--seeds: expected an integer from 3 to 100000"),
        (["validate", "--seeds", "2"], "--seeds: expected an integer from 3 to 100000, got 2"),
        (["validate", "--workers", "x"], "--workers"),
        (["validate", "--out", "{file}"], "exists and is not a folder"),
        (["validate", "--out", "{file}/sub"], "is a file, not a folder"),
        (["validate", "--out", "{other}"], "holds files that are not a validation's"),
    ],
)
def test_bad_options_get_one_line_and_write_nothing(argv, needle, tmp_path, capsys):
    (tmp_path / "notes.md").write_text("mine")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "thesis.tex").write_text("mine")
    before = folder_snapshot(tmp_path)
    folders = {"file": tmp_path / "notes.md", "other": tmp_path / "other"}
    assert main([a.format(**folders) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err
    assert folder_snapshot(tmp_path) == before


def test_validate_writes_its_folder_and_never_the_docs(rows, tmp_path, monkeypatch, capsys):
    import computemarket.validation.commands as commands

    monkeypatch.setattr(commands, "timed_validate", lambda seeds, workers: (rows, 1.0))
    docs_before = DOCS.read_bytes()
    assert main(["validate", "--seeds", "3", "--out", str(tmp_path / "v")]) == 0
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "checks.csv",
        "manifest.json",
        "validation.md",
    ]
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert manifest["format"] == "computemarket.validation/1" and manifest["seeds"] == 3
    assert manifest["failed"] == 0 and "python" in manifest["versions"]
    assert "seeds = 3" in (tmp_path / "v" / "validation.md").read_text()
    assert DOCS.read_bytes() == docs_before
    # A previous validation is replaced in place.
    assert main(["validate", "--out", str(tmp_path / "v")]) == 0
    assert "seeds = 20" in (tmp_path / "v" / "validation.md").read_text()


def test_too_few_seeds_is_a_clear_error():
    with pytest.raises(ValueError, match="--seeds"):
        validate(seeds=2)
