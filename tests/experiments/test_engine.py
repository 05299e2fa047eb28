"""The sweep engine on the synthetic stand-in model: files, manifest, resume, failures, determinism."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from computemarket.experiments import ExperimentError, load_experiment, sweep
from computemarket.results.load import load
from computemarket.store.layout import REPORT_GENERATOR
from computemarket.store.sweeps import SweepLockedError, sweep_lock
from computemarket.testing import synthetic_run


def run_threads(spec, out, **options):
    with ThreadPoolExecutor(2) as pool:
        return sweep(
            spec,
            out,
            executor=pool,
            run_fn=options.pop("run_fn", synthetic_run),
            progress=False,
            **options,
        )


def test_sweep_writes_design_manifest_and_one_file_per_task(small_spec, tmp_path):
    report = run_threads(small_spec, tmp_path / "out", runs_per_task=6)
    assert report.exit_code == 0 and report.runs_ok == 18 and report.tasks_run == 3
    out = tmp_path / "out"
    assert sorted(p.name for p in (out / "tasks").iterdir()) == [
        f"task-00000{i}.parquet" for i in range(3)
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["totals"] == {
        "tasks": 3,
        "tasks_done": 3,
        "tasks_pending": 0,
        "tasks_error": 0,
        "runs_ok": 18,
        "runs_failed": 0,
    }
    assert {e["status"] for e in manifest["tasks"].values()} == {"done"}
    assert manifest["versions"]["numpy"] and manifest["spec"]["seeds"] == 3
    results = load(out)
    assert (results.design["status"] == "ok").all()
    assert len(results.metrics) == 18 * 9  # 2 years: quarters 0..8
    assert results.metric_names == ["cloud_hhi", "locked_share", "active_labs"]
    assert results.metrics["cloud_hhi"].dtype == "float64"  # as a run stores it


def test_results_do_not_depend_on_chunking_or_executor(small_spec, tmp_path):
    run_threads(small_spec, tmp_path / "a", runs_per_task=1)
    with ThreadPoolExecutor(1) as pool:
        sweep(
            small_spec,
            tmp_path / "b",
            executor=pool,
            run_fn=synthetic_run,
            runs_per_task=100,
            progress=False,
        )
    sweep(
        small_spec, tmp_path / "c", workers=2, run_fn=synthetic_run, runs_per_task=4, progress=False
    )
    a, b, c = load(tmp_path / "a"), load(tmp_path / "b"), load(tmp_path / "c")
    assert_same(a, b)
    assert_same(a, c)


def assert_same(a, b):
    import pandas as pd

    pd.testing.assert_frame_equal(a.design, b.design)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)


def test_limit_then_resume_finishes_without_rerunning(small_spec, tmp_path):
    calls = []
    lock = threading.Lock()

    def counting(scenario, *, years, seed):
        with lock:
            calls.append(seed)
        return synthetic_run(scenario, years=years, seed=seed)

    first = run_threads(small_spec, tmp_path / "x", limit=7, runs_per_task=3, run_fn=counting)
    assert first.runs_planned == 7 and first.exit_code == 0 and len(calls) == 7
    assert (
        json.loads((tmp_path / "x" / "manifest.json").read_text())["status"] == "complete-to-limit"
    )
    partial_view = load(tmp_path / "x")
    assert partial_view.design["status"].value_counts().to_dict() == {"pending": 11, "ok": 7}
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "x" / "tasks").iterdir()}

    calls.clear()
    second = run_threads(small_spec, tmp_path / "x", resume=True, run_fn=counting)
    # tasks 0 and 1 (rows 0-5) were finished; task 2 held only row 6 of its point, so it runs again
    assert second.tasks_skipped == 2 and len(calls) == 18 - 6
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "x" / "tasks").iterdir()}
    assert all(
        after[name] == stamps[name] for name in ("task-000000.parquet", "task-000001.parquet")
    )

    calls.clear()
    third = run_threads(small_spec, tmp_path / "x", resume=True, run_fn=counting)
    assert third.tasks_skipped == third.tasks_planned == 6 and calls == []
    run_threads(small_spec, tmp_path / "full", runs_per_task=3)
    assert_same(load(tmp_path / "x"), load(tmp_path / "full"))


@pytest.mark.parametrize(
    ("runs_per_task", "limit"),
    [(None, 1), (None, 10), (2, 4), (3, 7)],  # each limit falls inside a finished task
)
def test_resume_with_a_limit_never_reruns_or_shrinks_a_finished_task(
    small_spec, tmp_path, runs_per_task, limit
):
    out = tmp_path / "s"
    full = run_threads(small_spec, out, runs_per_task=runs_per_task)
    assert full.exit_code == 0 and full.runs_ok == 18
    files = {p.name: p.read_bytes() for p in (out / "tasks").iterdir()}
    calls = []

    def counting(scenario, *, years, seed):
        calls.append(seed)
        return synthetic_run(scenario, years=years, seed=seed)

    again = run_threads(small_spec, out, resume=True, limit=limit, run_fn=counting)
    assert calls == [] and again.tasks_run == 0 and again.exit_code == 0
    assert again.tasks_skipped == again.tasks_planned and again.runs_ok == again.runs_planned
    assert {p.name: p.read_bytes() for p in (out / "tasks").iterdir()} == files
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["runs_ok"] == 18 and manifest["status"] == "complete"
    assert (load(out).design["status"] == "ok").all()


def test_resume_with_a_limit_runs_a_damaged_finished_task_whole(small_spec, tmp_path):
    out = tmp_path / "s"
    run_threads(small_spec, out)  # 2 tasks of 9 runs
    path = out / "tasks" / "task-000000.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    report = run_threads(small_spec, out, resume=True, limit=1)
    assert report.repaired and report.runs_run == 9 and report.exit_code == 0
    assert (load(out).design["status"] == "ok").all()
    run_threads(small_spec, tmp_path / "ref")
    assert_same(load(out), load(tmp_path / "ref"))


def test_failed_runs_are_recorded_while_the_rest_go_on(write_spec, small_text, tmp_path):
    spec_path = write_spec(small_text.replace("seed = 7", "seed = 7\ncommon_seeds = false"))
    from computemarket.experiments import load_experiment

    spec = load_experiment(spec_path)
    flaky = partial(synthetic_run, fail_every=3)
    report = run_threads(spec, tmp_path / "f", run_fn=flaky, runs_per_task=3)
    failed_seeds = {f["seed"] for f in report.failures}
    assert failed_seeds and all(seed % 3 == 0 for seed in failed_seeds)
    assert report.runs_ok == 18 - len(report.failures) and report.exit_code == 1
    assert any("synthetic failure" in line for line in report.summary_lines())
    results = load(tmp_path / "f")
    assert set(results.failures["seed"]) == failed_seeds
    assert results.failures["traceback"].str.contains("RuntimeError: synthetic failure").all()
    assert (results.design["status"] == "failed").sum() == len(failed_seeds)
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert manifest["status"] == "complete-with-failures"
    assert manifest["totals"]["runs_failed"] == len(failed_seeds)

    again = run_threads(spec, tmp_path / "f", resume=True, run_fn=flaky)
    assert again.tasks_run == 0 and len(again.failures) == len(failed_seeds)
    fixed = run_threads(spec, tmp_path / "f", resume=True, retry_failed=True)
    assert fixed.exit_code == 0 and fixed.runs_ok == 18
    assert (load(tmp_path / "f").design["status"] == "ok").all()


def test_results_on_disk_are_never_overwritten_without_a_flag(small_spec, tmp_path):
    out = tmp_path / "o"
    run_threads(small_spec, out, limit=3)
    with pytest.raises(
        ExperimentError,
        match=r"already holds a sweep \(3 runs done\); pass --resume .* or --overwrite",
    ):
        run_threads(small_spec, out)
    with pytest.raises(
        ExperimentError, match=r"holds a different experiment \(differs in: seeds\)"
    ):
        run_threads(small_spec.replace(seeds=4), out, resume=True)
    with pytest.raises(ExperimentError, match="--resume and --overwrite"):
        run_threads(small_spec, out, resume=True, overwrite=True)
    report = run_threads(small_spec.replace(seeds=4), out, overwrite=True)
    assert report.exit_code == 0 and len(load(out).design) == 24


def test_overwrite_removes_stale_figures_and_report_but_not_other_files(small_spec, tmp_path):
    out = tmp_path / "o"
    run_threads(small_spec, out, limit=3)
    (out / "figures").mkdir()
    for name in ("heatmap-cloud_hhi.png", "over-time.svg", "notes.txt"):
        (out / "figures" / name).write_text("old")
    # An earlier report carries the generator tag every report has; a user's own page would not.
    (out / "report.html").write_text(
        f'<!DOCTYPE html>\n<meta name="generator" content="{REPORT_GENERATOR} 0.1.0">\nold'
    )
    (out / "my-analysis.ipynb").write_text("mine")
    run_threads(small_spec, out, overwrite=True)
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["notes.txt"]
    assert not (out / "report.html").exists()
    assert (out / "my-analysis.ipynb").read_text() == "mine"


def test_a_folder_in_use_by_another_sweep_is_refused(small_spec, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    with (
        sweep_lock(out),
        pytest.raises(SweepLockedError, match="another sweep is writing to this folder"),
    ):
        run_threads(small_spec, out)


def test_a_dead_worker_is_reported_and_resume_finishes(small_spec, tmp_path):
    seed_of_replicate_1 = load_seed(small_spec, 1)
    dies = partial(synthetic_run, die_every=seed_of_replicate_1)
    report = sweep(
        small_spec, tmp_path / "d", workers=2, run_fn=dies, runs_per_task=3, progress=False
    )
    assert report.exit_code == 1 and report.task_errors
    assert "worker process died" in next(iter(report.task_errors.values()))
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    finished = run_threads(small_spec, tmp_path / "d", resume=True)
    assert finished.exit_code == 0
    run_threads(small_spec, tmp_path / "ref")
    assert_same(load(tmp_path / "d"), load(tmp_path / "ref"))


def load_seed(spec, replicate):
    from computemarket.experiments import run_seed

    return run_seed(spec, 0, replicate)


def test_cli_resume_repeats_the_recorded_years_and_seeds(write_spec, tmp_path, capsys):
    from computemarket.experiments.commands import main

    spec_path, out = write_spec(), tmp_path / "cli"
    first = [
        "sweep",
        str(spec_path),
        "--out",
        str(out),
        "--years",
        "1",
        "--seeds",
        "2",
        "--limit",
        "3",
    ]
    assert main([*first, "--no-progress"], run_fn=synthetic_run) == 0
    assert (
        main(
            ["sweep", str(spec_path), "--out", str(out), "--resume", "--no-progress"],
            run_fn=synthetic_run,
        )
        == 0
    )
    results = load(out)
    assert (
        results.years == 1
        and len(results.design) == 12
        and (results.design["status"] == "ok").all()
    )
    assert "12/12 runs ok" in capsys.readouterr().out


SCENARIO_FACTOR = """
description = "two scenarios compared, as in the shipped seed-deal"
years = 3
seeds = 4
seed = 2
[factors]
scenario = ["baseline", "classroom"]
[keep]
metrics = ["cloud_hhi"]
"""


def test_a_scenario_factor_takes_seeds_and_years_and_resumes(write_spec, tmp_path, capsys):
    from computemarket.experiments.commands import main

    spec_path, out = write_spec(SCENARIO_FACTOR, name="two"), tmp_path / "two"
    assert load_experiment("seed-deal").replace(years=2, seeds=3).seeds == 3  # was refused
    first = ["sweep", str(spec_path), "--out", str(out), "--years", "1", "--seeds", "2"]
    assert main([*first, "--limit", "2", "--no-progress"], run_fn=synthetic_run) == 0
    resume = ["sweep", str(spec_path), "--out", str(out), "--resume", "--no-progress"]
    assert main(resume, run_fn=synthetic_run) == 0
    results = load(out)
    assert results.years == 1 and results.factors == ["scenario"]
    assert len(results.design) == 4 and (results.design["status"] == "ok").all()
    assert "4/4 runs ok" in capsys.readouterr().out
    # The runs start in different calendar years only if the scenarios do; here both start in 2026.
    assert results.start_year == 2026.0


@pytest.mark.parametrize("workers", [0, 1025, 2**31, 10**20])
def test_workers_out_of_range_are_refused_before_anything_is_written(small_spec, tmp_path, workers):
    with pytest.raises(
        ExperimentError, match=r"--workers: .* \(allowed: an integer from 1 to 1024\)"
    ):
        sweep(small_spec, tmp_path / "w", workers=workers, run_fn=synthetic_run, progress=False)
    assert not (tmp_path / "w").exists()
