"""The command line: good runs write a complete folder; bad input gets one line and exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from computemarket import cli
from computemarket.results import run_folder
from computemarket.simulation.scenario import list_rule_presets, list_scenarios
from computemarket.store import files as store_files
from computemarket.store.runs import MANIFEST, SUMMARY_FIGURE, read_run

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
RUN_FILES = {
    "metrics.parquet",
    "agents.parquet",
    "ledger.parquet",
    "deals.parquet",
    MANIFEST,
    SUMMARY_FIGURE,
}


def entry_point() -> str:
    """The installed ``computemarket`` script of the interpreter running the tests."""
    beside_python = Path(sys.executable).with_name("computemarket")
    found = str(beside_python) if beside_python.exists() else shutil.which("computemarket")
    assert found, "the computemarket entry point is not installed (pip install -e .)"
    return found


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty current folder, so that the default results/ folder lands in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def assert_bad_input(capsys, code: int, *fragments: str) -> str:
    """Exit code 2 and exactly one line on stderr naming what was wrong."""
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("computemarket: error: "), err
    for fragment in fragments:
        assert fragment in err, err
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------------- scenarios
def test_scenarios_lists_every_scenario_and_preset_with_its_description(capsys):
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name, description in {**list_scenarios(), **list_rule_presets()}.items():
        line = next(line for line in out.splitlines() if line.split()[:1] == [name])
        assert description in line
    assert {"baseline", "classroom"} <= set(list_scenarios())
    assert len(list_rule_presets()) == 6


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["scenarios", "--help"]])
def test_help_exits_cleanly(argv, capsys):
    assert cli.main(argv) == 0
    assert "usage: computemarket" in capsys.readouterr().out


# ------------------------------------------------------------------------------------- bad input
def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


BAD_ARGUMENTS = {
    "unknown scenario": (["run", "nosuch"], ["unknown scenario 'nosuch'", "baseline"]),
    "unknown preset": (
        ["run", "baseline", "--rules", "nosuch"],
        ["unknown rules preset 'nosuch'", "laissez-faire"],
    ),
    "missing file": (["run", "missing.toml"], ["missing.toml", "file not found"]),
    "missing rules file": (
        ["run", "baseline", "--rules", "missing.toml"],
        ["missing.toml", "file not found"],
    ),
    "unknown --set key": (
        ["run", "baseline", "--set", "rules.nosuch=1"],
        ["rules.nosuch", "unknown parameter", "switching_cost"],
    ),
    "unknown --set section": (
        ["run", "baseline", "--set", "nosuch.x=1"],
        ["nosuch.x", "unknown parameter path"],
    ),
    "wrong type": (
        ["run", "baseline", "--set", "population.labs=many"],
        ["population.labs", "expected an integer", "many"],
    ),
    "wrong type bool": (
        ["run", "baseline", "--set", "rules.switching_cost=true"],
        ["rules.switching_cost", "expected a number"],
    ),
    "out of range": (
        ["run", "baseline", "--set", "population.labs=-5"],
        ["population.labs", "out of range"],
    ),
    "not a number": (
        ["run", "baseline", "--set", "rules.switching_cost=nan"],
        ["rules.switching_cost", "finite"],
    ),
    "infinite": (
        ["run", "baseline", "--set", "rules.switching_cost=inf"],
        ["rules.switching_cost", "finite"],
    ),
    "--set without =": (
        ["run", "baseline", "--set", "rules.switching_cost"],
        ["--set", "KEY=VALUE"],
    ),
    "--set without key": (["run", "baseline", "--set", "=3"], ["--set", "KEY=VALUE"]),
    "--set without value": (
        ["run", "baseline", "--set", "rules.switching_cost="],
        ["--set", "KEY=VALUE"],
    ),
    "--set without argument": (["run", "baseline", "--set"], ["--set", "expected one argument"]),
    "years 0": (["run", "baseline", "--years", "0"], ["--years", "from 1 to 100", "got 0"]),
    "years -1": (["run", "baseline", "--years", "-1"], ["--years", "got -1"]),
    "years 101": (["run", "baseline", "--years", "101"], ["--years", "got 101"]),
    "years abc": (["run", "baseline", "--years", "abc"], ["--years", "got 'abc'"]),
    "years 2.5": (["run", "baseline", "--years", "2.5"], ["--years", "got '2.5'"]),
    "seed -1": (["run", "baseline", "--seed", "-1"], ["--seed", "non-negative integer", "got -1"]),
    "seed x": (["run", "baseline", "--seed", "x"], ["--seed", "got 'x'"]),
    "seed 1.5": (["run", "baseline", "--seed", "1.5"], ["--seed", "got '1.5'"]),
    "unknown command": (["frobnicate"], ["invalid choice", "frobnicate"]),
    "no command": ([], ["COMMAND"]),
    "no scenario": (["run"], ["required", "SCENARIO"]),
    "unknown option": (["run", "baseline", "--yeers", "3"], ["unrecognized arguments", "--yeers"]),
}


@pytest.mark.parametrize(("argv", "fragments"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_get_one_line_and_leave_no_folder(argv, fragments, workdir, capsys):
    assert_bad_input(capsys, cli.main(argv), *fragments)
    assert list(workdir.iterdir()) == []


BAD_FILES = {
    "TOML syntax error": ("[population\nlabs = 3\n", ["bad.toml", "TOML syntax error"]),
    "unknown key": (
        "[population]\nlabz = 3\n",
        ["bad.toml", "population.labz", "unknown parameter", "labs"],
    ),
    "unknown section": (
        "[populations]\nlabs = 3\n",
        ["bad.toml", "populations", "unknown section"],
    ),
    "wrong type": (
        '[population]\nlabs = "many"\n',
        ["bad.toml", "population.labs", "expected an integer"],
    ),
    "out of range": (
        "[rules]\nswitching_cost = -1.0\n",
        ["bad.toml", "rules.switching_cost", "out of range"],
    ),
    "non-finite": (
        "[rules]\nswitching_cost = inf\n",
        ["bad.toml", "rules.switching_cost", "finite"],
    ),
    "not UTF-8": (b"\xff\xfe[population]\n", ["bad.toml", "cannot read file"]),
}


@pytest.mark.parametrize(("text", "fragments"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_scenario_files_get_one_line_naming_file_and_field(text, fragments, workdir, capsys):
    write(workdir / "bad.toml", text)
    assert_bad_input(capsys, cli.main(["run", "bad.toml"]), *fragments)
    assert [p.name for p in workdir.iterdir()] == ["bad.toml"]


BAD_RULES_FILES = {
    **BAD_FILES,
    "unknown key": (
        "[rules]\nswitching_cozt = 3\n",
        ["bad.toml", "rules.switching_cozt", "unknown parameter", "switching_cost"],
    ),
    "unknown section": (
        "[rulez]\nswitching_cost = 0.3\n",
        ["bad.toml", "rulez", "a rules preset holds only [rules]"],
    ),
    "wrong type": (
        '[rules]\nexclusivity = "yes"\n',
        ["bad.toml", "rules.exclusivity", "expected true or false"],
    ),
    "a market section": (
        "[rules]\nswitching_cost = 0.3\n[market]\nyears = 40\n",
        ["bad.toml", "market", "a rules preset holds only [rules]", "--set"],
    ),
    "a firm list": (
        '[[labs]]\nname = "X"\n',
        ["bad.toml", "labs", "put [[labs]] in a scenario file"],
    ),
}


@pytest.mark.parametrize(
    ("text", "fragments"), BAD_RULES_FILES.values(), ids=BAD_RULES_FILES.keys()
)
def test_bad_rules_files_get_one_line_naming_file_and_field(text, fragments, workdir, capsys):
    write(workdir / "bad.toml", text)
    assert_bad_input(capsys, cli.main(["run", "classroom", "--rules", "bad.toml"]), *fragments)
    assert [p.name for p in workdir.iterdir()] == ["bad.toml"]


def test_a_folder_given_as_scenario_file_is_refused(workdir, capsys):
    (workdir / "folder.toml").mkdir()
    assert_bad_input(capsys, cli.main(["run", "folder.toml"]), "folder.toml", "is a directory")


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root can read any file")
def test_an_unreadable_scenario_file_is_refused(workdir, capsys):
    locked = write(workdir / "locked.toml", "[population]\nlabs = 3\n")
    locked.chmod(0)
    assert_bad_input(capsys, cli.main(["run", "locked.toml"]), "locked.toml", "cannot read file")


def test_output_under_a_regular_file_is_refused(workdir, capsys):
    write(workdir / "notes.txt", "x")
    code = cli.main(["run", "classroom", "--out", "notes.txt/run"])
    assert_bad_input(capsys, code, "--out", "notes.txt", "is a file, not a folder")
    assert [p.name for p in workdir.iterdir()] == ["notes.txt"]


def test_output_that_is_a_regular_file_is_refused(workdir, capsys):
    write(workdir / "notes.txt", "x")
    assert_bad_input(
        capsys, cli.main(["run", "classroom", "--out", "notes.txt"]), "--out", "not a folder"
    )
    assert (workdir / "notes.txt").read_text() == "x"


def test_output_folder_of_other_files_is_refused(workdir, capsys):
    write(workdir / "thesis.tex", "precious")
    assert_bad_input(
        capsys,
        cli.main(["run", "classroom", "--out", "."]),
        "--out",
        "holds files that are not a run's",
    )
    assert [p.name for p in workdir.iterdir()] == ["thesis.tex"]


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root may write into read-only folders")
def test_read_only_output_folder_is_refused(workdir, capsys):
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code = cli.main(["run", "classroom", "--out", "locked/run"])
    finally:
        locked.chmod(0o755)
    assert_bad_input(capsys, code, "--out", "cannot write in")
    assert list(locked.iterdir()) == []


def test_unwritable_output_folder_is_refused_before_running(workdir, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store_files.tempfile, "mkstemp", refuse)
    code = cli.main(["run", "classroom", "--out", "run"])
    assert_bad_input(capsys, code, "--out", "cannot write in", "Permission denied")
    assert list(workdir.iterdir()) == []


def test_a_failing_run_leaves_a_previous_run_untouched(workdir, capsys):
    previous = workdir / "results" / "classroom"
    previous.mkdir(parents=True)
    write(previous / MANIFEST, '{"seed": 1}')
    write(previous / "metrics.parquet", b"previous bytes")
    before = snapshot(previous)
    assert_bad_input(capsys, cli.main(["run", "classroom", "--years", "0"]), "--years")
    assert_bad_input(
        capsys, cli.main(["run", "classroom", "--set", "rules.switching_cost=-1"]), "switching_cost"
    )
    assert snapshot(previous) == before


# ------------------------------------------------------------------------------ good runs (model)
def test_run_writes_a_complete_folder_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["run", "classroom", "--years", "2", "--seed", "3", "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert str(out) in stdout
    assert "cloud HHI" in stdout
    stored = read_run(out)
    assert stored.manifest["seed"] == 3
    assert stored.manifest["years"] == 2
    assert stored.manifest["scenario_name"] == "classroom"
    assert stored.manifest["command"].startswith("computemarket run classroom --years 2")
    assert list(stored.metrics["quarter"]) == list(range(9))  # quarter 0 is the initial state
    assert stored.metrics.notna().all().all()


def test_run_defaults_to_results_scenario_and_a_fixed_seed(workdir, capsys):
    assert cli.main(["run", "classroom", "--years", "1", "--rules", "no-exclusivity"]) == 0
    first = read_run(workdir / "results" / "classroom")
    assert first.manifest["seed"] == cli.DEFAULT_SEED
    assert first.manifest["rules_preset"] == "no-exclusivity"
    assert (
        cli.main(
            ["run", "classroom", "--years", "1", "--rules", "no-exclusivity", "--out", "again"]
        )
        == 0
    )
    again = read_run(workdir / "again")
    pd.testing.assert_frame_equal(first.metrics, again.metrics)
    pd.testing.assert_frame_equal(first.ledger, again.ledger)


def test_run_applies_overrides_and_records_them(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "run",
        "classroom",
        "--years",
        "1",
        "--set",
        "rules.switching_cost=0.3",
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    manifest = read_run(out).manifest
    assert manifest["overrides"] == {"rules.switching_cost": 0.3}
    assert manifest["scenario"]["rules"]["switching_cost"] == 0.3


def test_a_scenario_file_runs_into_a_folder_named_after_it(workdir, capsys):
    write(
        workdir / "tiny.toml",
        'description = "tiny"\n[population]\nhyperscalers = 2\nneoclouds = 0\nlabs = 3\nin_house_labs = 0\n',
    )
    assert cli.main(["run", "tiny.toml", "--years", "1"]) == 0
    assert (workdir / "results" / "tiny" / MANIFEST).is_file()


def test_a_failed_write_keeps_the_previous_run(workdir, capsys, monkeypatch):
    assert cli.main(["run", "classroom", "--years", "1"]) == 0
    previous = workdir / "results" / "classroom"
    before = snapshot(previous)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_folder, "save_summary", disk_full)
    capsys.readouterr()
    assert cli.main(["run", "classroom", "--years", "1", "--seed", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert snapshot(previous) == before
    assert [p.name for p in (workdir / "results").iterdir()] == ["classroom"]


# ---------------------------------------------------------------------------- installed script
def test_installed_entry_point_runs(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run(
        [entry_point(), "run", "classroom", "--years", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == RUN_FILES


def test_installed_entry_point_reports_bad_input_without_traceback(tmp_path):
    done = subprocess.run(
        [entry_point(), "run", "classroom", "--years", "0", "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "--years" in done.stderr
    assert not (tmp_path / "run").exists()
