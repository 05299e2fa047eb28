"""A real sweep process killed with SIGKILL, or stopped with Ctrl-C, then resumed: same tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from computemarket.results.load import load
from computemarket.testing import sweep_synthetic

# The CLI entry point with the synthetic model slowed down, so the sweep is caught halfway.
SCRIPT = """
import os, sys
from functools import partial
from computemarket.experiments.commands import main
from computemarket.testing import synthetic_run
sys.exit(main(sys.argv[1:], run_fn=partial(synthetic_run, delay_s=float(os.environ["SWEEP_DELAY"]))))
"""


def start_sweep(spec_path: Path, out: Path, *extra: str, delay: float) -> subprocess.Popen:
    command = [
        sys.executable,
        "-c",
        SCRIPT,
        "sweep",
        str(spec_path),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    command += ["--no-progress", *extra]
    env = {**os.environ, "SWEEP_DELAY": str(delay)}
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_task_files(
    out: Path, count: int, process: subprocess.Popen, timeout: float = 60.0
) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = len(list((out / "tasks").glob("task-*.parquet"))) if (out / "tasks").is_dir() else 0
        if found >= count:
            return found
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError(f"no {count} task files after {timeout} s")


def reference(spec_path: Path, out: Path):
    sweep_synthetic(spec_path, out, runs_per_task=5)  # other chunks than the sweeps under test
    return load(out)


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.design, b.design)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert not a.metrics.duplicated(["row", "quarter"]).any()


def test_sigkill_then_resume_gives_the_uninterrupted_tables(write_spec, tmp_path):
    spec_path = write_spec()
    out = tmp_path / "killed"
    process = start_sweep(spec_path, out, "--chunk", "3", delay=0.15)
    wait_for_task_files(out, 2, process)
    process.send_signal(signal.SIGKILL)  # the driver only, as the OOM killer would
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    finished_before = len(list((out / "tasks").glob("task-*.parquet")))
    assert finished_before < 6, "the sweep finished before it was killed"

    resumed = start_sweep(spec_path, out, "--resume", delay=0.0)
    stdout, stderr = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, stderr
    assert "18/18 runs ok, 0 failed" in stdout
    assert not list(out.rglob("*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["totals"]["runs_ok"] == 18
    assert_same(load(out), reference(spec_path, tmp_path / "reference"))


def test_ctrl_c_stops_cleanly_and_resume_finishes(write_spec, tmp_path):
    spec_path = write_spec()
    out = tmp_path / "interrupted"
    # one run per task: most tasks are still queued in the driver when Ctrl-C comes
    process = start_sweep(spec_path, out, "--chunk", "1", delay=0.15)
    wait_for_task_files(out, 1, process)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends: the driver and its workers
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert "--resume" in stdout
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"

    resumed = start_sweep(spec_path, out, "--resume", delay=0.0)
    _, stderr = resumed.communicate(timeout=60)
    assert json.loads((out / "manifest.json").read_text())["chunk"]["runs_per_task"] == 1
    assert resumed.returncode == 0, stderr
    assert_same(load(out), reference(spec_path, tmp_path / "reference"))
