"""Overhead and parallel efficiency of the sweep runner, timed from fresh processes, as ratios.

Usage::

    python benchmarks/sweep_speed.py           # 200 runs of baseline (20 years), 5 rounds
    python benchmarks/sweep_speed.py --quick   # 32 runs of 10 years, 3 rounds: a rough figure

Four measurements, each a fresh Python process (or two) timed by this script from its start to its
exit, so that interpreter start-up, imports and process pools are charged to every side:

- ``plain loop``: one process runs the runs one after the other with
  ``computemarket.simulation.runner.run(..., tables=("metrics",))``;
- ``sweep, 1 worker`` and ``sweep, 2 workers``: ``computemarket.experiments.sweep`` of the same runs
  (driver, fork server and worker processes);
- ``two plain loops at once``: two loop processes started together, each with half of the runs:
  what this machine gives two processes, the ceiling of any parallel efficiency on it.

Like with like: the same model (``baseline``), the same seeds (from the sweep's design), the same
data kept (every quarter of every metric, floats as float64 as a sweep stores them by default, the run's id, row, point, replicate and
seed) and written the same way: Parquet with zstd. The loop writes one file at the end; the sweep
writes one file per task of 8 runs, its design and its manifest (its crash safety is part of its
cost). The script checks that the loop's table and the sweep's stored table are identical.

One warm-up of every measurement first (small, untimed: file caches, bytecode), then rounds that run
each measurement once, in an order rotated every round, so that a burst of load from other processes
hits every side. The figure is the median over rounds, with min and max. The garbage collector is
left on in the measured processes, as in a real sweep: both sides run the same Python code under it.
Beside each figure: the CPU time of every process the measurement started (fork server and workers
included), the CPU time that other processes on the machine took meanwhile (``/proc/stat``), and the
1-minute load average before and after, so that a reader can tell whether another process took a
core.

Targets: runner overhead (sweep, 1 worker / plain loop - 1) <= 10%; parallel efficiency (sweep,
1 worker / (2 x sweep, 2 workers)) >= 85%. Also printed: storage per run-year and the sweep
driver's peak memory for 10x the runs. The script reports, it does not fail: the exit code is 0
whether a target is met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OVERHEAD_TARGET = 0.10
"""The sweep on 1 worker may take at most 10% more wall time than a plain loop of the same runs."""
EFFICIENCY_TARGET = 0.85
"""The sweep on 2 workers should take at most 1 / (2 x 0.85) of its time on 1 worker."""
MEMORY_TARGET = 1.2
"""The sweep driver's peak resident memory for 10x the runs, over 1x (results stream to disk)."""
SCENARIO = "baseline"
RUNS_PER_TASK = 8
"""The sweep's default chunk (``computemarket.experiments.engine.DEFAULT_RUNS_PER_TASK``)."""
PR_SET_CHILD_SUBREAPER = 36
"""``prctl`` option (Linux >= 3.4): orphaned descendants are re-parented to this process."""


# ---------------------------------------------------------------------------------------------
# The measured processes. Module level imports only the standard library: the loop must not pay
# for the sweep's imports, and the sweep's fork server imports this file again in every worker.


def sweep_document(runs: int, years: int) -> dict[str, Any]:
    """The benchmark's experiment: ``baseline``, no factors, ``runs`` seeds, every metric kept."""
    return {
        "description": "sweep_speed benchmark",
        "scenario": SCENARIO,
        "years": years,
        "seeds": runs,
        "seed": 1,
    }


def child_loop(plan: dict[str, Any]) -> dict[str, float]:
    """A plain loop over the plan's runs in this process; their metrics to one Parquet file."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from computemarket.simulation.runner import run
    from computemarket.simulation.scenario import load_scenario
    from computemarket.store.schema import run_id

    imported = time.monotonic()
    scenario = load_scenario(SCENARIO)
    frames = []
    for row, point, replicate, seed in plan["rows"]:
        metrics = run(scenario, years=plan["years"], seed=seed, tables=("metrics",)).metrics
        # What a sweep stores by default: float64 metrics, each row with its run's id and keys.
        ids = pd.DataFrame(
            {
                "run_id": pd.Categorical([run_id(scenario, plan["years"], seed)] * len(metrics)),
                **{
                    name: np.full(len(metrics), value, dtype=np.int64)
                    for name, value in zip(
                        ("row", "point", "replicate", "seed"),
                        (row, point, replicate, seed),
                        strict=True,
                    )
                },
            }
        )
        frames.append(pd.concat([ids, metrics], axis=1))
    data = pd.concat(frames, ignore_index=True)
    table = pa.Table.from_pandas(data, preserve_index=False)
    pq.write_table(table, plan["out"], compression="zstd")
    return {"imported": imported, "end": time.monotonic()}


def child_sweep(plan: dict[str, Any]) -> dict[str, float]:
    """The same runs through the sweep runner on ``workers`` processes."""
    from computemarket.experiments import parse_experiment, sweep

    imported = time.monotonic()
    spec = parse_experiment(plan["document"], name="sweep-speed")
    report = sweep(spec, plan["out"], workers=plan["workers"], progress=False, overwrite=True)
    if report.exit_code != 0:
        sys.exit(f"sweep failed: {' / '.join(report.summary_lines())}")
    return {"imported": imported, "end": time.monotonic()}


def child_memory(plan: dict[str, Any]) -> dict[str, float]:
    """A sweep of the synthetic stand-in model on 2 workers: the driver's peak memory."""
    import tracemalloc

    from computemarket.experiments import parse_experiment, sweep
    from computemarket.testing import synthetic_run

    imported = time.monotonic()
    spec = parse_experiment(plan["document"], name="sweep-memory")
    tracemalloc.start()
    report = sweep(spec, plan["out"], workers=2, run_fn=synthetic_run, progress=False)
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if report.exit_code != 0:
        sys.exit(f"sweep failed: {' / '.join(report.summary_lines())}")
    return {
        "imported": imported,
        "end": time.monotonic(),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,  # kB on Linux
        "heap_mb": heap_peak / 1e6,
    }


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, float]]] = {
    "loop": child_loop,
    "sweep": child_sweep,
    "memory": child_memory,
}


# ---------------------------------------------------------------------------------------------
# The parent: starts the measured processes and accounts for their time and the machine's.


@dataclass
class Sample:
    """One timed measurement.

    Attributes:
        wall_s: From the start of the first process to the exit of the last.
        startup_s: From the start of a process to the end of its imports (mean over processes).
        cpu_s: User + system CPU seconds of every process started (fork server, workers included).
        others_cpu_s: CPU seconds that other processes on the machine used meanwhile (``None`` if
            ``/proc/stat`` cannot be read).
        steal_s: CPU seconds the hypervisor gave other virtual machines instead (``None`` likewise).
        load_before: 1-minute load average just before.
        load_after: 1-minute load average just after.
        result: What the (first) process printed.
    """

    wall_s: float
    startup_s: float
    cpu_s: float
    others_cpu_s: float | None
    steal_s: float | None
    load_before: float
    load_after: float
    result: dict[str, float]


@dataclass
class Measurement:
    """A kind of measurement and its timed samples.

    Attributes:
        label: As printed.
        plans: One plan per process started at once (a plan names the child mode and its inputs).
        samples: The timed samples, one per round.
    """

    label: str
    plans: Callable[[Path], list[dict[str, Any]]]
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        """Median of a sample attribute over the rounds."""
        return statistics.median(getattr(s, attribute) for s in self.samples)


def become_subreaper() -> bool:
    """Adopt orphaned descendants, so that the fork server's and workers' CPU time is counted.

    The sweep's fork server is not waited for by the driver; without this its CPU time (and that
    of the workers it reaps) would be lost to ``RUSAGE_CHILDREN``. Linux only.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_descendants(timeout_s: float = 30.0) -> None:
    """Wait for every adopted descendant (fork server, resource tracker) to exit."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                print("warning: a descendant process is still running", file=sys.stderr)
                return
            time.sleep(0.01)


def machine_cpu_s() -> tuple[float, float] | None:
    """CPU seconds the machine has spent busy, and lost to the hypervisor (steal), since boot.

    From the first line of ``/proc/stat``; ``None`` where it cannot be read.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def children_cpu_s() -> float:
    """User + system CPU seconds of this process's waited-for descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_cpu_s() -> float:
    """User + system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_command(plan: dict[str, Any], folder: Path) -> list[str]:
    """The command that runs this script in child mode on ``plan`` (written to ``folder``)."""
    plan_file = folder / f"plan-{plan['tag']}.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    return [sys.executable, __file__, "--child", plan["mode"], str(plan_file)]


def time_processes(plans: list[dict[str, Any]], folder: Path) -> Sample:
    """Start one process per plan at once and time them to the exit of the last."""
    commands = [child_command(plan, folder) for plan in plans]
    gc.collect()
    load_before = os.getloadavg()[0]
    machine_before, cpu_before, self_before = machine_cpu_s(), children_cpu_s(), self_cpu_s()
    started = time.monotonic()
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for command in commands
    ]
    outputs = [process.communicate()[0] for process in processes]
    ended = time.monotonic()
    reap_descendants()
    machine_after, cpu_after, self_after = machine_cpu_s(), children_cpu_s(), self_cpu_s()
    load_after = os.getloadavg()[0]
    for plan, process in zip(plans, processes, strict=True):
        if process.returncode != 0:
            sys.exit(f"sweep_speed: the {plan['mode']} process failed (exit {process.returncode})")
    results = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    cpu = cpu_after - cpu_before
    others = steal = None
    if machine_before is not None and machine_after is not None:
        busy = machine_after[0] - machine_before[0]
        # Clock ticks (10 ms) against microseconds: a small negative rest is rounding.
        others = max(0.0, busy - cpu - (self_after - self_before))
        steal = machine_after[1] - machine_before[1]
    return Sample(
        wall_s=ended - started,
        startup_s=statistics.mean(r["imported"] - started for r in results),
        cpu_s=cpu,
        others_cpu_s=others,
        steal_s=steal,
        load_before=load_before,
        load_after=load_after,
        result=results[0],
    )


def loop_plans(rows: list[list[int]], years: int, parts: int) -> Callable[[Path], list[dict]]:
    """Plans of ``parts`` loop processes sharing the runs (consecutive halves for 2)."""
    size = -(-len(rows) // parts)

    def plans(folder: Path) -> list[dict[str, Any]]:
        return [
            {
                "mode": "loop",
                "tag": f"loop-{parts}-{k}",
                "years": years,
                "rows": rows[k * size : (k + 1) * size],
                "out": str(folder / f"loop-{parts}-{k}.parquet"),
            }
            for k in range(parts)
        ]

    return plans


def sweep_plans(runs: int, years: int, workers: int) -> Callable[[Path], list[dict]]:
    """The plan of one sweep process on ``workers`` workers."""

    def plans(folder: Path) -> list[dict[str, Any]]:
        return [
            {
                "mode": "sweep",
                "tag": f"sweep-{workers}",
                "document": sweep_document(runs, years),
                "workers": workers,
                "out": str(folder / f"sweep-{workers}"),
            }
        ]

    return plans


def design_rows(runs: int, years: int) -> list[list[int]]:
    """Row, point, replicate and seed of every run of the sweep's design."""
    from computemarket.experiments import parse_experiment
    from computemarket.experiments.design import build_design

    spec = parse_experiment(sweep_document(runs, years), name="sweep-speed")
    table = build_design(spec).table
    return table[["row", "point", "replicate", "seed"]].astype(int).values.tolist()


def check_same_data(folder: Path) -> int:
    """Check that every measurement wrote the same table; returns the sweep's task-file bytes."""
    import pandas as pd

    def read(files: list[Path]) -> pd.DataFrame:
        data = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        data["run_id"] = data["run_id"].astype(str)  # dictionaries differ between files
        return data.sort_values(["row", "quarter"], ignore_index=True)

    loop = read([folder / "loop-1-0.parquet"])
    task_files = sorted((folder / "sweep-1" / "tasks").glob("*.parquet"))
    others = {
        "sweep, 1 worker": read(task_files),
        "sweep, 2 workers": read(sorted((folder / "sweep-2" / "tasks").glob("*.parquet"))),
        "two plain loops": read(sorted(folder.glob("loop-2-*.parquet"))),
    }
    for label, data in others.items():
        try:
            pd.testing.assert_frame_equal(loop, data, check_exact=True)
        except AssertionError as err:
            sys.exit(f"sweep_speed: {label} did not store what the plain loop stored: {err}")
    return sum(f.stat().st_size for f in task_files)


def measure(
    measurements: list[Measurement], rounds: int, warmup: list[Measurement], root: Path
) -> int:
    """Warm up, then time every measurement once per round in a rotated order.

    Returns:
        Bytes of the sweep's task files (from the first round).
    """
    for bench in warmup:
        print(f"  warm-up: {bench.label}", file=sys.stderr, flush=True)
        folder = root / "warmup"
        folder.mkdir(exist_ok=True)
        time_processes(bench.plans(folder), folder)
    stored = 0
    for round_index in range(rounds):
        folder = root / f"round-{round_index}"
        folder.mkdir()
        shift = round_index % len(measurements)
        for bench in measurements[shift:] + measurements[:shift]:
            print(f"  round {round_index + 1}/{rounds}: {bench.label}", file=sys.stderr, flush=True)
            bench.samples.append(time_processes(bench.plans(folder), folder))
        if round_index == 0:
            stored = check_same_data(folder)
        shutil.rmtree(folder)
    return stored


def memory_peaks(runs: int, years: int, root: Path) -> list[dict[str, float]]:
    """Driver peak memory of a synthetic sweep of ``runs`` and of ``10 * runs`` runs."""
    peaks = []
    for n in (runs, 10 * runs):
        print(f"  memory: {n} synthetic runs", file=sys.stderr, flush=True)
        plan = {
            "mode": "memory",
            "tag": f"memory-{n}",
            "document": sweep_document(n, years),
            "out": str(root / f"memory-{n}"),
        }
        peaks.append(time_processes([plan], root).result)
    return peaks


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def cores(bench: Measurement, attribute: str) -> str:
    """Median over rounds of a sample's CPU seconds per wall second (cores busy on average)."""
    seconds = [getattr(s, attribute) for s in bench.samples]
    if None in seconds:
        return "n/a"
    return f"{statistics.median(c / s.wall_s for c, s in zip(seconds, bench.samples, strict=True)):.2f}"


def print_samples(measurements: list[Measurement]) -> None:
    """One line per measurement: wall times, start-up, and who used the CPUs meanwhile."""
    print(
        f"{'measurement':<34} {'median s':>8} {'min s':>7} {'max s':>7} {'start-up s':>10} "
        f"{'ours':>5} {'others':>6} {'steal':>5} {'load before/after':>17}"
    )
    for bench in measurements:
        walls = [s.wall_s for s in bench.samples]
        load = f"{bench.median('load_before'):.2f} / {bench.median('load_after'):.2f}"
        print(
            f"{bench.label:<34} {statistics.median(walls):>8.2f} {min(walls):>7.2f} "
            f"{max(walls):>7.2f} {bench.median('startup_s'):>10.2f} {cores(bench, 'cpu_s'):>5} "
            f"{cores(bench, 'others_cpu_s'):>6} {cores(bench, 'steal_s'):>5} {load:>17}"
        )
    print(
        "start-up: from a process's start to the end of its imports. ours, others, steal: cores "
        "busy on average\n(CPU seconds / wall seconds) with the processes the measurement started "
        "(fork server and workers\nincluded), with every other process on the machine, and taken "
        "by the hypervisor. load: 1-minute\nload average. All medians over rounds."
    )


def overhead(sweep_s: float, loop_s: float) -> float:
    """What a sweep adds over a plain loop, as a fraction of the loop."""
    return sweep_s / loop_s - 1


def efficiency(one_s: float, two_s: float) -> float:
    """Parallel efficiency on two processes: one's time over twice the two's."""
    return one_s / (2 * two_s)


def ratio_columns(
    a: Measurement, b: Measurement, ratio: Callable[[float, float], float], attribute: str
) -> tuple[float, float, list[float]]:
    """A ratio of the medians, of the minima, and of each round's pair of samples."""
    a_values = [getattr(s, attribute) for s in a.samples]
    b_values = [getattr(s, attribute) for s in b.samples]
    return (
        ratio(statistics.median(a_values), statistics.median(b_values)),
        ratio(min(a_values), min(b_values)),
        [ratio(x, y) for x, y in zip(a_values, b_values, strict=True)],
    )


def print_ratios(
    loop: Measurement, sweep_1: Measurement, sweep_2: Measurement, loops_2: Measurement
) -> None:
    """The two targets (on the medians) and the machine's ceiling, with minima and rounds."""
    lines = [
        ("runner overhead: sweep 1 worker / plain loop - 1", sweep_1, loop, overhead, "wall_s"),
        ("  the same in CPU time", sweep_1, loop, overhead, "cpu_s"),
        (
            "parallel efficiency: sweep 1 worker / (2 x 2 workers)",
            sweep_1,
            sweep_2,
            efficiency,
            "wall_s",
        ),
        (
            "machine's ceiling: plain loop / (2 x two loops at once)",
            loop,
            loops_2,
            efficiency,
            "wall_s",
        ),
    ]
    targets = {
        "runner overhead": (f"<= {OVERHEAD_TARGET:.0%}", lambda v: v <= OVERHEAD_TARGET),
        "parallel efficiency": (f">= {EFFICIENCY_TARGET:.0%}", lambda v: v >= EFFICIENCY_TARGET),
    }
    print(
        f"\n{'ratio':<56} {'medians':>8} {'minima':>8} {'per round':>19} {'target':>7} {'result':>6}"
    )
    medians = {}
    for label, a, b, ratio, attribute in lines:
        median, minimum, rounds = ratio_columns(a, b, ratio, attribute)
        medians[label] = median
        sign = "+" if ratio is overhead else ""
        target, met = targets.get(label.split(":")[0], ("", None))
        result = "" if met is None else verdict(met(median))
        spread = f"{min(rounds):{sign}.1%} .. {max(rounds):{sign}.1%}"
        print(
            f"{label:<56} {median:>{sign}8.1%} {minimum:>{sign}8.1%} {spread:>19} {target:>7} "
            f"{result:>6}"
        )
    share = medians[lines[2][0]] / medians[lines[3][0]]
    label = "  the runner reaches, of the machine's ceiling"
    print(f"{label:<56} {share:>8.1%}")
    print(
        "(medians: the ratio of the median times, which the targets judge; minima: of the fastest "
        "samples,\nthe least disturbed by other processes; per round: the range of each round's "
        "pair of samples)"
    )


def report(
    measurements: list[Measurement],
    *,
    runs: int,
    years: int,
    stored_bytes: int,
    memory: list[dict[str, float]],
    memory_runs: int,
    cpu_counted: bool,
) -> None:
    """Print the samples, the ratios against their targets, storage and memory."""
    from importlib.metadata import version

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"sweep_speed: Python {platform.python_version()}, mesa {version('mesa')}, numpy "
        f"{version('numpy')}, {cpus} CPUs ({platform.machine()}), {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(
        f"{runs} runs of {SCENARIO}, {years} years, {len(measurements[0].samples)} rounds. Each side "
        f"a fresh process, timed from start to exit;\nevery quarter of every metric kept (float64) "
        f"and written to Parquet (zstd) on both sides.\n"
    )
    print_samples(measurements)
    if not cpu_counted:
        print("warning: could not adopt orphaned processes; the sweeps' CPU time is undercounted")
    print_ratios(*measurements)
    rss_1, rss_10 = memory[0]["rss_mb"], memory[1]["rss_mb"]
    print(
        f"\nstorage: {stored_bytes / 1e3:.0f} kB of task files for {runs} runs x {years} years = "
        f"{stored_bytes / (runs * years):.0f} bytes per run-year (zstd, float64, with the run ids)"
    )
    print(
        f"sweep driver's peak memory (synthetic runs, 2 workers): RSS {rss_1:.1f} MB for "
        f"{memory_runs} runs, {rss_10:.1f} MB for {10 * memory_runs}\n(Python heap "
        f"{memory[0]['heap_mb']:.2f} and {memory[1]['heap_mb']:.2f} MB): ratio "
        f"{rss_10 / rss_1:.2f}, target <= {MEMORY_TARGET}   {verdict(rss_10 / rss_1 <= MEMORY_TARGET)}"
    )


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A temporary folder for the measurements' outputs."""
    with tempfile.TemporaryDirectory(prefix="sweep-speed-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the report.

    Args:
        argv: Command-line arguments (``--quick``; ``--runs``, ``--years``, ``--rounds``).

    Returns:
        0, always: benchmarks report, they do not fail.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (rough figures)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 200; quick 32)")
    parser.add_argument("--years", type=int, help="years per run (default 20; quick 10)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 5; quick 3)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, plan_file = args.child
        result = CHILDREN[mode](json.loads(Path(plan_file).read_text(encoding="utf-8")))
        print(json.dumps(result))
        return 0

    runs = args.runs or (32 if args.quick else 200)
    years = args.years or (10 if args.quick else 20)
    rounds = args.rounds or (3 if args.quick else 5)
    memory_runs = 40 if args.quick else 200
    cpu_counted = become_subreaper()
    rows = design_rows(runs, years)
    loop = Measurement("plain loop, 1 process", loop_plans(rows, years, 1))
    sweep_1 = Measurement("sweep, 1 worker", sweep_plans(runs, years, 1))
    sweep_2 = Measurement("sweep, 2 workers", sweep_plans(runs, years, 2))
    loops_2 = Measurement("two plain loops at once, half each", loop_plans(rows, years, 2))
    small_rows = design_rows(RUNS_PER_TASK, 1)
    warmup = [
        Measurement("plain loop", loop_plans(small_rows, 1, 1)),
        Measurement("sweep, 2 workers", sweep_plans(RUNS_PER_TASK, 1, 2)),
    ]
    with scratch() as root:
        stored = measure([loop, sweep_1, sweep_2, loops_2], rounds, warmup, root)
        memory = memory_peaks(memory_runs, years, root)
    report(
        [loop, sweep_1, sweep_2, loops_2],
        runs=runs,
        years=years,
        stored_bytes=stored,
        memory=memory,
        memory_runs=memory_runs,
        cpu_counted=cpu_counted,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
