"""Faults of the machine and of the files: damaged, truncated and deleted files, a full disk,
kills during writes, Ctrl-C at any moment, a closed pipe.

Promised behaviour: a reader names a damaged file in one line with the fix (``--resume`` for a
sweep, the run's command for a run), exit 2; ``--resume`` runs a damaged task again and gives the
tables of an undamaged sweep; a failure of the machine is one line with exit 1; a killed command
leaves no partial file behind, or the next command removes it; nothing is ever half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from computemarket import cli
from computemarket.results.load import load
from computemarket.store.layout import DamagedFileError
from computemarket.testing import folder_snapshot, sweep_synthetic

GRID = """
description = "a small grid for the fault tests"
years = 2
seeds = 2
seed = 9
[factors]
"deals.commitment_multiple" = [0.0, 6.0]
"rules.switching_cost" = [0.0, 1.0]
[keep]
metrics = ["cloud_hhi", "locked_share"]
every = "quarter"
"""

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def synthetic_sweep(folder: Path, **options) -> Path:
    spec = folder / "grid.toml"
    if not spec.exists():
        spec.write_text(textwrap.dedent(GRID), encoding="utf-8")
    sweep_synthetic(spec, folder / "sweep", runs_per_task=2, **options)
    return folder / "sweep"


def resume_synthetic(folder: Path, **options):
    """Resume the sweep :func:`synthetic_sweep` made in ``folder``; its report."""
    return sweep_synthetic(folder / "grid.toml", folder / "sweep", resume=True, **options)


def one_error_line(capsys, code: int, expected_code: int, *fragments: str) -> str:
    _, err = capsys.readouterr()
    assert code == expected_code, err
    assert err.count("\n") == 1 and err.startswith("computemarket: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


def flip_bytes_in_the_middle(path: Path) -> None:
    """Corrupt the data pages, leaving the Parquet footer (and so the schema) intact."""
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8
    middle = (len(data) - footer) // 2
    for offset in range(middle, middle + 8):
        data[offset] ^= 0xA5
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------- damaged task files
DAMAGES = {
    "corrupt (footer intact)": flip_bytes_in_the_middle,
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "deleted": lambda path: path.unlink(),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_task_file_is_named_by_every_reader_and_run_again_by_resume(
    damage, tmp_path, capsys
):
    folder = synthetic_sweep(tmp_path)
    reference = load(folder)
    expected_metrics, expected_design = reference.metrics, reference.design
    task = folder / "tasks" / "task-000001.parquet"
    damage(task)
    before = folder_snapshot(tmp_path)
    for command in (
        ["summarize", str(folder)],
        ["plot", str(folder)],
        ["report", str(folder)],
        ["sensitivity", str(folder), "--metric", "cloud_hhi"],
    ):
        code = cli.main(command)
        one_error_line(capsys, code, 2, "task-000001.parquet", f"--out {folder} --resume")
    assert folder_snapshot(tmp_path) == before
    with pytest.raises(DamagedFileError, match=r"task-000001\.parquet"):
        load(folder).metrics  # noqa: B018 - the property reads the files

    report = resume_synthetic(tmp_path)
    assert report.exit_code == 0 and report.tasks_run == 1 and report.tasks_skipped == 3
    assert [name.split(" ")[0] for name in report.repaired] == ["task-000001.parquet"]
    resumed = load(folder)
    pd.testing.assert_frame_equal(resumed.metrics, expected_metrics)
    pd.testing.assert_frame_equal(resumed.design, expected_design)
    assert cli.main(["summarize", str(folder)]) == 0


def test_a_damaged_file_the_manifest_has_not_recorded_is_caught_by_its_page_checksums(
    tmp_path, capsys
):
    # A sweep killed between writing a task file and recording it: no checksum in the manifest.
    folder = synthetic_sweep(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tasks"]["2"] = {"status": "pending", "runs": 2}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    flip_bytes_in_the_middle(folder / "tasks" / "task-000002.parquet")
    one_error_line(capsys, cli.main(["summarize", str(folder)]), 2, "task-000002.parquet: damaged")
    report = resume_synthetic(tmp_path)
    assert report.tasks_run == 1 and report.repaired[0].startswith("task-000002.parquet")
    assert cli.main(["summarize", str(folder)]) == 0


def test_a_damaged_design_is_named_and_written_again_by_resume(tmp_path, capsys):
    folder = synthetic_sweep(tmp_path)
    expected = load(folder).design
    flip_bytes_in_the_middle(folder / "design.parquet")
    one_error_line(
        capsys, cli.main(["summarize", str(folder)]), 2, "design.parquet: damaged", "--resume"
    )
    report = resume_synthetic(tmp_path)
    assert report.tasks_run == 0
    pd.testing.assert_frame_equal(load(folder).design, expected)


def test_a_truncated_manifest_is_named_and_rebuilt_by_resume(tmp_path, capsys):
    folder = synthetic_sweep(tmp_path)
    expected = load(folder).metrics
    text = (folder / "manifest.json").read_text()
    (folder / "manifest.json").write_text(text[: len(text) // 2])
    for command in (["summarize", str(folder)], ["plot", str(folder)]):
        one_error_line(capsys, cli.main(command), 2, "manifest.json", "readable manifest")
    report = resume_synthetic(tmp_path, runs_per_task=2)
    assert report.exit_code == 0 and report.tasks_run == 0  # every task file was whole
    pd.testing.assert_frame_equal(load(folder).metrics, expected)


def test_a_damaged_run_table_is_named_with_the_command_that_makes_it_again(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    flip_bytes_in_the_middle(out / "ledger.parquet")
    for command in (["plot", str(out)], ["report", str(out)]):
        one_error_line(
            capsys,
            cli.main(command),
            2,
            "ledger.parquet: damaged",
            "run it again: computemarket run classroom --years 1 --out",
        )
    assert not (out / "figures").exists() and not (out / "report.html").exists()


# ------------------------------------------------------------------------------ a full disk
@pytest.fixture
def full_disk(tmp_path):
    """A 2 MB tmpfs filled to the last byte (root only: skipped where it cannot be mounted)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not RUNNING_AS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")

    def fill() -> None:
        with contextlib.suppress(OSError), open(mount / "filler", "ab", buffering=0) as filler:
            while True:
                filler.write(b"\0" * 4096)

    try:
        yield mount, fill
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def no_temporaries(folder: Path) -> list[str]:
    return [
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name.endswith(".tmp") or ".partial-" in p.name or ".previous-" in p.name
    ]


def test_run_into_a_full_disk_is_one_line_exit_1_and_leaves_nothing(full_disk, capsys):
    mount, fill = full_disk
    fill()
    code = cli.main(["run", "classroom", "--years", "1", "--out", str(mount / "run")])
    one_error_line(capsys, code, 1, "No space left on device")
    assert sorted(p.name for p in mount.iterdir()) == ["filler"]


def test_a_run_replaced_on_a_full_disk_stays_as_it_was(full_disk, capsys):
    mount, fill = full_disk
    out = mount / "run"
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    fill()
    before = folder_snapshot(out)
    one_error_line(
        capsys, cli.main(["run", "classroom", "--years", "1", "--seed", "2", "--out", str(out)]), 1
    )
    assert folder_snapshot(out) == before
    assert no_temporaries(mount) == []


def test_plot_report_and_summarize_on_a_full_disk_write_nothing(full_disk, tmp_path, capsys):
    mount, fill = full_disk
    out = mount / "run"
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    sweep_folder = synthetic_sweep(tmp_path)
    shutil.copytree(sweep_folder, mount / "sweep")
    capsys.readouterr()
    fill()
    before = folder_snapshot(mount)
    one_error_line(capsys, cli.main(["plot", str(out)]), 1, "No space left on device")
    one_error_line(capsys, cli.main(["report", str(out)]), 1, "No space left on device")
    one_error_line(
        capsys, cli.main(["summarize", str(mount / "sweep"), "--threshold", "cloud_hhi>1500"]), 1
    )
    after = folder_snapshot(mount)
    # The plot made no figure: at most the empty figures/ folder it created is gone again.
    assert after == before, sorted(set(after) ^ set(before))


def test_a_sweep_into_a_full_disk_is_one_line_exit_1_and_resume_finishes_it(
    full_disk, tmp_path, capsys
):
    mount, fill = full_disk
    spec = tmp_path / "grid.toml"
    spec.write_text(textwrap.dedent(GRID), encoding="utf-8")
    fill()
    code = cli.main(["sweep", str(spec), "--out", str(mount / "sweep"), "--workers", "1"])
    one_error_line(capsys, code, 1, "No space left on device")
    assert sorted(p.name for p in mount.iterdir()) == ["filler"]  # the folder it made is gone


@pytest.fixture(scope="module")
def read_only_disk(tmp_path_factory):
    """A tmpfs mounted read-only, holding a run and a sweep (root only, else skipped)."""
    tmp_path = tmp_path_factory.mktemp("read-only")
    mount = tmp_path / "ro"
    mount.mkdir()
    if not RUNNING_AS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        assert cli.main(["run", "classroom", "--years", "1", "--out", str(mount / "run")]) == 0
        synthetic_sweep(tmp_path)
        shutil.copytree(tmp_path / "sweep", mount / "sweep")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize(
    "arguments",
    [
        ["run", "classroom", "--years", "1", "--out", "{ro}/new"],
        ["run", "classroom", "--years", "1", "--out", "{ro}/run"],
        ["sweep", "commitment-vs-switching", "--out", "{ro}/sweep2"],
        ["plot", "{ro}/run"],
        ["report", "{ro}/run"],
        ["summarize", "{ro}/sweep"],
        ["sensitivity", "{ro}/sweep", "--metric", "cloud_hhi"],
        ["validate", "--out", "{ro}/validation"],
    ],
    ids=["run new", "run again", "sweep", "plot", "report", "summarize", "sensitivity", "validate"],
)
def test_a_read_only_file_system_is_refused_before_any_work(arguments, read_only_disk, capsys):
    capsys.readouterr()
    before = folder_snapshot(read_only_disk)
    code = cli.main([a.format(ro=read_only_disk) for a in arguments])
    one_error_line(capsys, code, 2, "Read-only file system")
    assert folder_snapshot(read_only_disk) == before


# ----------------------------------------------------------------------- kills during writes
RUN_SCRIPT = """
import os, sys, time
from computemarket.results import run_folder
real = run_folder.save_summary
def slow(*args, **kwargs):
    real(*args, **kwargs)
    open(os.environ["MARKER"], "w").close()  # the run folder is half written
    time.sleep(60)
run_folder.save_summary = slow
from computemarket.cli import main
sys.exit(main(sys.argv[1:]))
"""


def start(script: str, *arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *arguments],
        env={**os.environ, "MPLBACKEND": "Agg", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_run_stopped_while_writing_leaves_the_previous_run_and_no_partial(
    signum, tmp_path, capsys
):
    out = tmp_path / "run"
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    before = folder_snapshot(out)
    marker = tmp_path / "writing"
    process = start(
        RUN_SCRIPT,
        *("run", "classroom", "--years", "1", "--seed", "5", "--out", str(out)),
        env={"MARKER": str(marker)},
    )
    wait_for(marker, process)
    assert any(p.name.startswith(".run.partial-") for p in tmp_path.iterdir())
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert err == "computemarket: interrupted\n"
    assert folder_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "writing"]


def test_a_run_killed_outright_is_cleaned_up_by_the_next_run(tmp_path, capsys):
    out = tmp_path / "run"
    marker = tmp_path / "writing"
    process = start(
        RUN_SCRIPT,
        *("run", "classroom", "--years", "1", "--out", str(out)),
        env={"MARKER": str(marker)},
    )
    wait_for(marker, process)
    process.kill()
    process.communicate()
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial-")]
    assert len(partial) == 1 and not out.exists()
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "writing"]


SWEEP_SCRIPT = """
import os, sys
from functools import partial
from computemarket.experiments.commands import main
from computemarket.testing import synthetic_run
sys.exit(main(sys.argv[1:], run_fn=partial(synthetic_run, delay_s=0.3)))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_sweep_killed_while_tasks_write_leaves_no_partial_after_resume(signum, tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text(textwrap.dedent(GRID.replace("seeds = 2", "seeds = 6")), encoding="utf-8")
    out = tmp_path / "sweep"
    process = start(
        SWEEP_SCRIPT,
        *("sweep", str(spec), "--out", str(out), "--workers", "2", "--chunk", "3"),
        *("--no-progress",),
    )
    deadline = time.monotonic() + 120
    while not list((out / "tasks").glob("task-*.parquet")) if (out / "tasks").is_dir() else True:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    if signum == signal.SIGTERM:
        assert process.returncode == 143, err
        assert "Traceback" not in err
        assert no_temporaries(out) == []
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    time.sleep(1.5)  # the workers of a killed driver notice within a second and stop
    report = sweep_synthetic(spec, out, resume=True)
    assert report.exit_code == 0
    assert no_temporaries(out) == []
    assert len(load(out).metrics) == 4 * 6 * 9  # points x seeds x quarters


def test_stale_temporaries_of_a_killed_plot_are_removed_by_the_next(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(out)]) == 0
    (out / "figures").mkdir()
    dead = 2**22 + 11  # above the default pid_max: no such process
    stale = out / "figures" / f".shares.png.{dead}.0123abcd.tmp"
    stale.write_bytes(b"half a figure")
    assert cli.main(["plot", str(out), "--kind", "shares"]) == 0
    assert not stale.exists() and (out / "figures" / "shares.png").is_file()


# ------------------------------------------------------------------------ the run's own folder
def test_run_out_on_a_sweep_refuses_and_deletes_nothing(tmp_path, capsys):
    folder = synthetic_sweep(tmp_path)
    (folder / "my-analysis.ipynb").write_text("mine")
    before = folder_snapshot(folder)
    one_error_line(
        capsys,
        cli.main(["run", "classroom", "--out", str(folder)]),
        2,
        "holds a sweep (computemarket sweep), not a run",
    )
    assert folder_snapshot(folder) == before
    # The sweep still reads and resumes.
    assert cli.main(["summarize", str(folder)]) == 0


def test_a_scheduler_that_does_not_answer_leaves_no_folder(tmp_path, capsys):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        spec = tmp_path / "grid.toml"
        spec.write_text(textwrap.dedent(GRID), encoding="utf-8")
        code = cli.main(
            [
                "sweep",
                str(spec),
                "--out",
                str(tmp_path / "new"),
                "--scheduler",
                f"tcp://127.0.0.1:{port}",
            ]
        )
    one_error_line(capsys, code, 1, f"nothing answers at 127.0.0.1:{port}")
    assert not (tmp_path / "new").exists()


# ----------------------------------------------------------------- Ctrl-C and a closed pipe
@pytest.mark.parametrize("delay", [0.1, 0.4, 1.0, 2.0])
def test_ctrl_c_at_any_moment_of_a_run_is_quiet(delay, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "computemarket", "run", "classroom", "--years", "3", "--out", "r"],
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:
        return  # it finished before the signal came
    # 130 after the clean-up; or, if the signal came while Python was shutting down (its handler
    # already gone), the process ends by the signal itself, which a shell also reports as 130.
    assert process.returncode in (130, -signal.SIGINT), err
    assert err in ("computemarket: interrupted\n", ""), err
    assert [p.name for p in tmp_path.iterdir()] in ([], ["r"])


def test_a_closed_pipe_is_quiet(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `computemarket scenarios | head` once head has exited
    try:
        done = subprocess.run(
            [sys.executable, "-m", "computemarket", "scenarios"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""


def test_the_progress_bar_shows_on_a_terminal_and_ticks_between_quarters(monkeypatch):
    import io

    from computemarket import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "TICK_S", 0.05)
    monkeypatch.setattr(sys, "stderr", screen)
    with cli.quarter_bar("classroom", 8) as report:
        time.sleep(0.3)  # no quarter done yet: the bar is drawn anyway, its clock moving
        drawn_while_waiting = screen.getvalue()
        for quarter in range(1, 9):
            report(quarter, 8)
        time.sleep(0.3)  # the next tick draws the last update
    assert "classroom" in drawn_while_waiting and "0/8" in drawn_while_waiting
    assert "8/8" in screen.getvalue()
