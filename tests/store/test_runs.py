"""The run store: all-or-nothing writes, a valid manifest, and a faithful round trip."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from computemarket.results import run_folder
from computemarket.results.run_folder import write_run
from computemarket.simulation.scenario import load_scenario
from computemarket.store import files as store_files
from computemarket.store.files import file_sha256
from computemarket.store.layout import DamagedFileError, StoreError
from computemarket.store.runs import (
    MANIFEST,
    SUMMARY_FIGURE,
    TABLES,
    OutputDirError,
    check_output_dir,
    read_run,
    to_json_value,
)
from computemarket.store.schema import run_id
from computemarket.testing import folder_snapshot

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REPORT_HEAD = '<!DOCTYPE html>\n<meta name="generator" content="computemarket report 0.1.0">\n'


def make_result(seed: int = 7, quarters: int = 5) -> SimpleNamespace:
    """A stand-in for RunResult (same attributes), so the store is tested without the model."""
    scenario = load_scenario(
        "classroom", rules="eu-data-act", overrides=[("rules.switching_cost", 0.25)]
    )
    quarter = np.arange(quarters)
    metrics = pd.DataFrame(
        {
            "quarter": quarter,
            "year": 2026 + quarter // 4,
            "cloud_hhi": np.linspace(3_333.3, 4_000.0, quarters),
            "locked_share": np.linspace(0.0, 0.4, quarters),
            "roundtrip_ratio": [np.nan, *np.linspace(0.1, 0.3, quarters - 1)],
        }
    )
    agents = pd.DataFrame(
        {
            "quarter": np.repeat(quarter, 2),
            "agent_id": np.tile([1, 2], quarters),
            "name": np.tile(["Cloud 1", "Lab 1"], quarters),
            "kind": np.tile(["hyperscaler", "lab"], quarters),
            "cash": np.linspace(1.0, 2.0, 2 * quarters),
            "share": np.tile([1.0, 1.0], quarters),
        }
    )
    ledger = pd.DataFrame(
        {
            "quarter": [1, 1],
            "payer": ["Lab 1", "Cloud 1"],
            "payee": ["Cloud 1", "Lab 1"],
            "amount": [2.5, 1.0],
            "kind": ["compute", "investment"],
            "origin": ["Cloud 1", "Cloud 1"],
        }
    )
    deals = pd.DataFrame(
        {"quarter": [1], "investor": ["Cloud 1"], "lab": ["Lab 1"], "amount": [1.0]}
    )
    return SimpleNamespace(
        scenario=scenario,
        seed=seed,
        years=1,
        metrics=metrics,
        agents=agents,
        ledger=ledger,
        deals=deals,
        wall_time_s=np.float64(0.125),
    )


def test_write_run_writes_every_file(tmp_path):
    out = write_run(make_result(), tmp_path / "run")
    assert out == tmp_path / "run"
    expected = {f"{name}.parquet" for name in TABLES} | {MANIFEST, SUMMARY_FIGURE}
    assert {p.name for p in out.iterdir()} == expected
    png = (out / SUMMARY_FIGURE).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_round_trip_gives_back_the_same_tables(tmp_path):
    result = make_result()
    stored = read_run(write_run(result, tmp_path / "run"))
    identity = run_id(result.scenario, result.years, result.seed)
    for name in TABLES:
        table = getattr(stored, name)
        # Each table starts with the run's id and seed, then holds the run's table as it was.
        assert list(table.columns[:2]) == ["run_id", "seed"]
        assert (table["run_id"] == identity).all() and (table["seed"] == result.seed).all()
        values = table.drop(columns=["run_id", "seed"])
        text = [c for c in values.columns if isinstance(values[c].dtype, pd.CategoricalDtype)]
        original = getattr(result, name)
        assert text == [c for c in original if pd.api.types.is_string_dtype(original[c])]
        pd.testing.assert_frame_equal(
            values.astype(dict.fromkeys(text, "str")),
            original,
            check_dtype=False,
            obj=name,
        )
    assert math.isnan(stored.metrics.loc[0, "roundtrip_ratio"])  # NaN survives in Parquet


def test_manifest_records_what_was_run_and_with_what(tmp_path):
    result = make_result(seed=42)
    command = ["computemarket", "run", "classroom", "--set", "rules.switching_cost=0.25"]
    out = write_run(result, tmp_path / "run", command=command)

    def refuse_nan(constant):
        raise AssertionError(f"manifest holds {constant}")

    manifest = json.loads((out / MANIFEST).read_text(), parse_constant=refuse_nan)
    assert manifest["scenario_name"] == "classroom"
    assert manifest["rules_preset"] == "eu-data-act"
    assert manifest["overrides"] == {"rules.switching_cost": 0.25}
    assert manifest["seed"] == 42
    assert manifest["run_id"] == run_id(result.scenario, 1, 42)
    assert manifest["years"] == 1
    assert manifest["wall_time_s"] == 0.125
    assert manifest["command"] == "computemarket run classroom --set rules.switching_cost=0.25"
    assert {"python", "platform", "computemarket", "mesa", "numpy", "pandas", "pyarrow"} <= set(
        manifest["versions"]
    )
    assert manifest["host"] == socket.gethostname()
    assert manifest["versions"]["numpy"] == np.__version__
    created = dt.datetime.fromisoformat(manifest["created_utc"])
    assert created.utcoffset() == dt.timedelta(0)
    ledger_sha = file_sha256(out / "ledger.parquet")
    assert manifest["tables"]["ledger"] == {
        "file": "ledger.parquet",
        "rows": 2,
        "columns": ["run_id", "seed", "quarter", "payer", "payee", "amount", "kind", "origin"],
        "units": {
            "run_id": "-",
            "seed": "-",
            "quarter": "quarters from the start",
            "payer": "-",
            "payee": "-",
            "amount": "$B",
            "kind": "-",
            "origin": "-",
        },
        "sha256": ledger_sha,
    }
    # Every file's checksum, the summary figure's too; the manifest does not list itself.
    assert manifest["sha256"] == {
        path.name: file_sha256(path) for path in sorted(out.iterdir()) if path.name != MANIFEST
    }
    # The resolved scenario, complete: it can be loaded again into the same parameters.
    assert manifest["scenario"] == json.loads(json.dumps(result.scenario.to_dict()))
    assert manifest["scenario"]["rules"]["switching_cost"] == 0.25


def test_to_json_value_makes_numpy_and_non_finite_values_plain():
    value = {
        "count": np.int64(3),
        "ratio": np.float64(0.5),
        "missing": float("nan"),
        "huge": np.float32(np.inf),
        "flags": np.array([True, False]),
        "pair": (1, 2.0),
        "day": dt.date(2027, 1, 12),
        "where": Path("results/x"),
        1: "key",
    }
    plain = to_json_value(value)
    assert plain == {
        "count": 3,
        "ratio": 0.5,
        "missing": None,
        "huge": None,
        "flags": [True, False],
        "pair": [1, 2.0],
        "day": "2027-01-12",
        "where": "results/x",
        "1": "key",
    }
    assert type(plain["count"]) is int
    json.dumps(plain, allow_nan=False)


def test_a_named_index_is_kept_as_a_column(tmp_path):
    result = make_result()
    result.metrics = result.metrics.set_index("quarter")
    stored = read_run(write_run(result, tmp_path / "run"))
    assert list(stored.metrics.columns[:3]) == ["run_id", "seed", "quarter"]


def test_a_new_run_replaces_a_previous_one_and_what_was_drawn_from_it(tmp_path):
    out = write_run(make_result(seed=1), tmp_path / "run")
    (out / "figures").mkdir()
    (out / "figures" / "shares.png").write_bytes(b"old figure")
    (out / "report.html").write_text(REPORT_HEAD + "old report")
    write_run(make_result(seed=2), out)
    assert read_run(out).manifest["seed"] == 2
    assert not (out / "figures").exists() and not (out / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging or previous folders left


def test_a_run_folder_holding_a_users_file_is_refused_and_kept(tmp_path):
    out = write_run(make_result(seed=1), tmp_path / "run")
    (out / "notes.txt").write_text("mine")
    (out / "figures").mkdir()
    (out / "figures" / "drawing.pdf").write_text("mine too")
    before = folder_snapshot(out)
    with pytest.raises(
        OutputDirError,
        match=r"files computemarket did not write \(figures/drawing.pdf, notes.txt\)",
    ):
        write_run(make_result(seed=2), out)
    assert folder_snapshot(out) == before and (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "mine",
    [
        "my-annotated-diagram.png",  # an image of the user's own
        "summary-annotated.png",  # names that only start like those of computemarket plot
        "money-flow-final.png",
        "deal-network-q4-mine.svg",
        "shares.png.bak",
    ],
)
def test_a_users_image_among_the_figures_is_refused_and_kept(tmp_path, mine):
    out = write_run(make_result(seed=1), tmp_path / "run")
    figures = out / "figures"
    figures.mkdir()
    for name in ("summary.png", "shares.svg", "money-flow-2026.png", "deal-network-q4.png"):
        (figures / name).write_bytes(b"drawn by computemarket plot")
    (figures / mine).write_bytes(b"the user's own")
    before = folder_snapshot(tmp_path)
    with pytest.raises(
        OutputDirError, match=rf"files computemarket did not write \(figures/{mine}\)"
    ):
        write_run(make_result(seed=2), out)
    assert folder_snapshot(tmp_path) == before


def test_a_users_own_report_html_is_refused_and_kept(tmp_path):
    out = write_run(make_result(seed=1), tmp_path / "run")
    (out / "report.html").write_text("<html>my own report</html>")
    with pytest.raises(OutputDirError, match=r"did not write \(report.html\)"):
        write_run(make_result(seed=2), out)
    assert (out / "report.html").read_text() == "<html>my own report</html>"


def test_a_symlinked_run_folder_stays_a_link_to_the_new_run(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "links").mkdir()
    target = write_run(make_result(seed=1), tmp_path / "runs" / "R1")
    link = tmp_path / "links" / "linkrun"
    link.symlink_to(Path("..") / "runs" / "R1")  # relative, from another folder
    assert check_output_dir(link) == link  # the link as given
    assert write_run(make_result(seed=2), link) == link
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "runs" / "R1")
    assert read_run(target).manifest["seed"] == 2 and read_run(link).manifest["seed"] == 2
    assert [p.name for p in (tmp_path / "links").iterdir()] == ["linkrun"]
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["R1"]  # no staging left


def test_a_link_to_a_missing_folder_gets_the_run_where_it_points(tmp_path):
    (tmp_path / "linkrun").symlink_to("elsewhere")
    write_run(make_result(seed=3), tmp_path / "linkrun")
    assert (tmp_path / "linkrun").is_symlink()
    assert read_run(tmp_path / "elsewhere").manifest["seed"] == 3


def test_a_link_to_a_folder_that_cannot_take_a_run_is_refused(tmp_path):
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "thesis.tex").write_text("precious")
    (tmp_path / "link").symlink_to("thesis")
    run = write_run(make_result(seed=1), tmp_path / "R1")
    (run / "notes.txt").write_text("mine")
    (tmp_path / "linkrun").symlink_to("R1")
    before = folder_snapshot(tmp_path)
    with pytest.raises(OutputDirError, match=r"link: holds files that are not a run's"):
        write_run(make_result(seed=2), tmp_path / "link")
    with pytest.raises(OutputDirError, match=r"did not write \(notes.txt\)"):
        write_run(make_result(seed=2), tmp_path / "linkrun")
    assert folder_snapshot(tmp_path) == before


def test_a_link_moved_aside_by_an_older_version_is_removed_not_its_run(tmp_path):
    dead = 2**22 + 7  # above the default pid_max: no such process
    run = write_run(make_result(seed=1), tmp_path / "R1")
    (tmp_path / "linkrun").symlink_to("R1")
    (tmp_path / f".linkrun.previous-{dead}-0123abcd").symlink_to("R1")
    write_run(make_result(seed=2), tmp_path / "linkrun")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R1", "linkrun"]
    assert read_run(run).manifest["seed"] == 2


def test_a_sweep_or_validation_folder_is_refused(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / MANIFEST).write_text(json.dumps({"format": 1, "experiment": "x", "tasks": {}}))
    with pytest.raises(OutputDirError, match="holds a sweep"):
        check_output_dir(sweep)
    validation = tmp_path / "validation"
    validation.mkdir()
    (validation / MANIFEST).write_text(json.dumps({"format": "computemarket.validation/1"}))
    with pytest.raises(OutputDirError, match="holds a validation"):
        check_output_dir(validation)


def test_a_damaged_or_missing_table_is_named_with_the_fix(tmp_path):
    out = write_run(make_result(), tmp_path / "run", command=["computemarket", "run", "classroom"])
    data = bytearray((out / "agents.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (out / "agents.parquet").write_bytes(bytes(data))
    with pytest.raises(
        DamagedFileError,
        match=r"agents.parquet: damaged .* run it again: computemarket run classroom --out",
    ):
        read_run(out)
    (out / "agents.parquet").unlink()
    with pytest.raises(DamagedFileError, match=r"agents.parquet: missing"):
        read_run(out)


def test_a_killed_writer_is_cleaned_up_by_the_next_write(tmp_path):
    out = write_run(make_result(seed=1), tmp_path / "run")
    dead = 2**22 + 7  # above the default pid_max: no such process
    (tmp_path / f".run.partial-{dead}-0123abcd").mkdir()
    (tmp_path / f".run.partial-{dead}-0123abcd" / "metrics.parquet").write_text("half")
    # Killed between moving the previous run aside and moving the new one in: it is put back.
    (tmp_path / "run").rename(tmp_path / f".run.previous-{dead}-89abcdef")
    assert read_run(tmp_path / f".run.previous-{dead}-89abcdef").manifest["seed"] == 1
    write_run(make_result(seed=2), out)
    assert read_run(out).manifest["seed"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failed_write_keeps_the_previous_run_and_cleans_up(tmp_path, monkeypatch):
    out = write_run(make_result(seed=1), tmp_path / "run")
    before = folder_snapshot(out)

    def broken_figure(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_folder, "save_summary", broken_figure)
    with pytest.raises(OSError, match="No space left"):
        write_run(make_result(seed=2), out)
    assert folder_snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failed_first_write_leaves_no_folder_behind(tmp_path, monkeypatch):
    def broken_figure(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(run_folder, "save_summary", broken_figure)
    with pytest.raises(RuntimeError):
        write_run(make_result(), tmp_path / "new" / "nested" / "run")
    assert list(tmp_path.iterdir()) == []  # the parents made for it are gone too


def test_missing_parents_are_created(tmp_path):
    out = write_run(make_result(), tmp_path / "a" / "b" / "run")
    assert (out / MANIFEST).is_file()


def test_check_output_dir_accepts_new_empty_and_previous_run_folders(tmp_path):
    assert check_output_dir(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    write_run(make_result(), tmp_path / "old")
    check_output_dir(tmp_path / "old")
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "old"]


def test_check_output_dir_refuses_a_file_and_a_path_under_a_file(tmp_path):
    regular = tmp_path / "file.txt"
    regular.write_text("x")
    with pytest.raises(OutputDirError, match="exists and is not a folder"):
        check_output_dir(regular)
    with pytest.raises(OutputDirError, match="is a file, not a folder"):
        check_output_dir(regular / "sub" / "run")


def test_check_output_dir_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(OutputDirError, match="holds files that are not a run's"):
        check_output_dir(tmp_path)
    with pytest.raises(OutputDirError, match="holds files that are not a run's"):
        write_run(make_result(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root may write into read-only folders")
def test_check_output_dir_refuses_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(OutputDirError, match="cannot write in"):
            check_output_dir(locked / "run")
    finally:
        locked.chmod(0o755)


def test_check_output_dir_reports_a_failed_write_probe(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store_files.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputDirError, match=r"cannot write in .* \(Permission denied\)"):
        check_output_dir(tmp_path / "run")


def test_read_run_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(StoreError, match="not a computemarket run folder"):
        read_run(tmp_path)
