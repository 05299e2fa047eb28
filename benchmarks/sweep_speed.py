"""Speed, parallel efficiency, memory and storage of the sweep runner, as ratios, in one process.

Usage::

    python benchmarks/sweep_speed.py           # 200 runs of baseline (20 years), 2,000 short runs
    python benchmarks/sweep_speed.py --quick   # 40 runs of 5 years, 400 short runs: a rough figure

Four measurements:

1. the same runs of ``baseline`` (every quarter's metrics kept) through our runner on 2 workers and
   through ``mesa.batch_run`` on 2 processes (``data_collection_period=1``): target <= 0.5 of
   batch_run's wall time;
2. parallel efficiency of our runner on 2 workers against 1 worker: target >= 85%;
3. the driver's peak memory for 10x the runs (short runs): target <= 1.2x, since results stream to
   disk task by task and the driver keeps only a bounded window of tasks in flight;
4. Parquet bytes per run-year of the kept metrics.

It reports, it does not fail: the exit code is 0 whether a target is met or missed. Wall times on a
shared 2-core machine are noisy; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import threading
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

import mesa

from computemarket.experiments import parse_experiment, sweep
from computemarket.experiments.design import build_design
from computemarket.simulation.model import ComputeMarket

SPEED_TARGET = 0.5
EFFICIENCY_TARGET = 0.85
MEMORY_TARGET = 1.2


def baseline_spec(runs: int, years: int, name: str):
    """Baseline, no factors: one point with ``runs`` seeds, every quarter of every metric kept."""
    document = {
        "description": "benchmark",
        "scenario": "baseline",
        "years": years,
        "seeds": runs,
        "seed": 1,
    }
    return parse_experiment(document, name=name)


def timed_sweep(spec, out: Path, workers: int) -> float:
    gc.collect()
    start = time.perf_counter()
    report = sweep(spec, out, workers=workers, progress=False, overwrite=True)
    elapsed = time.perf_counter() - start
    if report.exit_code != 0:
        sys.exit(f"sweep failed: {report.summary_lines()}")
    return elapsed


def task_seconds(out: Path) -> float:
    """Seconds the workers spent inside tasks, from the manifest (to separate engine from machine)."""
    manifest = json.loads((out / "manifest.json").read_text())
    return sum(task.get("wall_s", 0.0) for task in manifest["tasks"].values())


def timed_batch_run(runs: int, years: int, seeds: list[int]) -> float:
    gc.collect()
    start = time.perf_counter()
    results = mesa.batch_run(
        ComputeMarket,
        parameters={"market_scenario": "baseline", "years": years},
        number_processes=2,
        rng=seeds,
        data_collection_period=1,
        max_steps=4 * years,
        display_progress=False,
    )
    elapsed = time.perf_counter() - start
    assert len({row["RunId"] for row in results}) == runs
    return elapsed


class RssSampler:
    """Samples this process's resident set size every few milliseconds while a sweep runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.is_set():
            with open("/proc/self/statm", encoding="ascii") as statm:
                self.peak = max(self.peak, int(statm.read().split()[1]) * self._page)
            time.sleep(0.005)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def driver_peak(spec, out: Path) -> tuple[float, float, float]:
    """Peak RSS and peak Python heap (MB, tracemalloc) of the driver during one sweep, and its time."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    with RssSampler() as rss:
        sweep(spec, out, workers=2, progress=False, overwrite=True)
    elapsed = time.perf_counter() - start
    _, heap = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rss.peak / 1e6, heap / 1e6, elapsed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer and shorter runs, for a rough figure"
    )
    args = parser.parse_args()
    runs, years = (40, 5) if args.quick else (200, 20)
    memory_runs, memory_years = (40, 2) if args.quick else (200, 2)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"sweep_speed: Python {platform.python_version()}, mesa {version('mesa')}, {cpus} CPUs, {platform.machine()}"
    )

    with tempfile.TemporaryDirectory(prefix="sweep-speed-") as tmp:
        root = Path(tmp)
        # Warm-up: imports, the fork server and its preloaded model, first-call costs.
        sweep(baseline_spec(4, 1, "warmup"), root / "warmup", workers=2, progress=False)

        spec = baseline_spec(runs, years, "speed")
        seeds = build_design(spec).table["seed"].tolist()
        ours_2 = timed_sweep(spec, root / "two", workers=2)
        batch_2 = timed_batch_run(runs, years, seeds)
        ours_1 = timed_sweep(spec, root / "one", workers=1)
        busy_2 = task_seconds(root / "two") / (2 * ours_2)
        busy_1 = task_seconds(root / "one") / ours_1
        per_run_2 = task_seconds(root / "two") / runs
        per_run_1 = task_seconds(root / "one") / runs
        stored = sum(p.stat().st_size for p in (root / "two" / "tasks").glob("*.parquet"))

        small = baseline_spec(memory_runs, memory_years, "memory-small")
        large = baseline_spec(10 * memory_runs, memory_years, "memory-large")
        rss_small, heap_small, small_s = driver_peak(small, root / "small")
        rss_large, heap_large, large_s = driver_peak(large, root / "large")

    speed = ours_2 / batch_2
    efficiency = ours_1 / (2 * ours_2)
    memory = rss_large / rss_small
    print(f"\n{runs} runs of baseline, {years} years, every quarter's metrics kept:")
    print(f"  our runner, 2 workers      {ours_2:8.2f} s   ({runs / ours_2:6.1f} runs/s)")
    print(f"  our runner, 1 worker       {ours_1:8.2f} s   ({runs / ours_1:6.1f} runs/s)")
    print(f"  mesa.batch_run, 2 procs    {batch_2:8.2f} s   ({runs / batch_2:6.1f} runs/s)")
    print(
        f"  workers busy in tasks: {busy_2:.0%} (2 workers), {busy_1:.0%} (1 worker); seconds per run inside a "
        f"task: {per_run_2:.3f} (2 workers) vs {per_run_1:.3f} (1 worker) -- a gap means the CPUs were shared"
    )
    print(
        f"\ndriver peak memory, {memory_years}-year runs: resident set, and Python heap (tracemalloc):"
    )
    print(
        f"  {memory_runs:>5} runs   RSS {rss_small:7.1f} MB   heap {heap_small:5.2f} MB   ({small_s:.1f} s)"
    )
    print(
        f"  {10 * memory_runs:>5} runs   RSS {rss_large:7.1f} MB   heap {heap_large:5.2f} MB   ({large_s:.1f} s)"
    )
    print(
        f"\nstorage: {stored / 1e3:.0f} kB for {runs} runs x {years} years = {stored / (runs * years):.0f} bytes per run-year (zstd, {spec.dtype})"
    )
    print("\nratios:")
    print(
        f"  ours (2 workers) / batch_run (2 procs)  {speed:5.2f}   target <= {SPEED_TARGET}   {verdict(speed <= SPEED_TARGET)}"
    )
    print(
        f"  parallel efficiency on 2 workers        {efficiency:5.0%}   target >= {EFFICIENCY_TARGET:.0%}   {verdict(efficiency >= EFFICIENCY_TARGET)}"
    )
    print(
        f"  driver peak RSS, 10x runs / 1x runs     {memory:5.2f}   target <= {MEMORY_TARGET}   {verdict(memory <= MEMORY_TARGET)}"
    )


if __name__ == "__main__":
    main()
