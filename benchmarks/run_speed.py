"""Speed of the market model, as ratios to Mesa's Boltzmann wealth example timed in the same process.

Usage::

    python benchmarks/run_speed.py          # or: make bench
    python benchmarks/run_speed.py --quick  # fewer repetitions, for a rough figure

Each benchmark builds a model and runs it to the end. Every benchmark is run once to warm up
(imports, caches), then timed with the garbage collector off, several times; repetitions are
interleaved across benchmarks so that load from other processes hits them all alike. The script
prints the median wall time of each and the ratios against their targets. It reports, it does not
fail: the exit code is 0 whether a target is met or missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version

import mesa
from mesa.examples import BoltzmannWealth
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

from computemarket.simulation.model import ComputeMarket

YEARS = 20
"""Horizon of the market runs (80 quarters, as many steps as the Boltzmann reference)."""
BOLTZMANN_AGENTS = 100
BOLTZMANN_STEPS = 80
BASELINE_TARGET = 0.3
"""A 20-year baseline run should take at most this multiple of the Boltzmann reference."""
SCALING_TARGET = 12.0
"""1,000 labs should take at most this multiple of 100 labs: cost linear in labs (10x) plus slack."""


@dataclass
class Benchmark:
    """One timed workload.

    Attributes:
        label: What is run, as printed.
        run: Builds and runs one model from a seed.
        repetitions: Timed runs (after one warm-up run).
        describe: Summarises the final state of a model, to show what was timed (optional).
        times: Wall times of the timed runs, in seconds.
        end_state: ``describe`` applied to the warm-up run.
    """

    label: str
    run: Callable[[int], object]
    repetitions: int
    describe: Callable[[object], str] | None = None
    times: list[float] = field(default_factory=list)
    end_state: str = ""

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.times)


def boltzmann(seed: int) -> object:
    """Mesa's Boltzmann wealth example: 100 agents on a 10 x 10 grid, 80 steps."""
    model = BoltzmannWealth(
        scenario=BoltzmannScenario(n=BOLTZMANN_AGENTS, width=10, height=10, rng=seed)
    )
    for _ in range(BOLTZMANN_STEPS):
        model.step()
    return model


class _NoOpAgent(mesa.Agent):
    def step(self) -> None:
        pass


class MesaFloor(mesa.Model):
    """What Mesa's own machinery costs for a market of the baseline's size, with no economics.

    As many agents as the baseline starts with, shuffled and stepped every quarter (each step does
    nothing), and a DataCollector with as many model columns as the baseline's metrics table.
    """

    def __init__(self, agents: int, columns: int, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        _NoOpAgent.create_agents(self, agents)
        self.values = dict.fromkeys((f"metric_{k}" for k in range(columns)), 0.0)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, n=name: m.values[n]) for name in self.values}
        )

    def step(self) -> None:
        """Step every agent in random order, then collect the metrics."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


def mesa_floor() -> Callable[[int], object]:
    """The Mesa floor model at the baseline's size, 80 quarters, its table built at the end."""
    shape = ComputeMarket(years=YEARS, rng=0)
    agents, columns = len(shape.agents), len(shape.datacollector.model_reporters)

    def run(seed: int) -> object:
        model = MesaFloor(agents=agents, columns=columns, rng=seed)
        for _ in range(4 * YEARS):
            model.step()
        model.datacollector.get_model_vars_dataframe()
        return model

    return run


def market(labs: int | None) -> Callable[[int], object]:
    """A 20-year ``baseline`` run, with the scenario's labs or with ``labs`` labs."""
    overrides = None if labs is None else {"population.labs": labs}

    def run(seed: int) -> object:
        model = ComputeMarket(overrides=overrides, years=YEARS, rng=seed)
        model.run_model()
        return model

    return run


def market_end_state(model: object) -> str:
    """Labs and capacity at the end of a market run, and providers that failed on the way.

    A market whose providers have all failed is cheap to simulate; this makes such a run visible.
    """
    metrics = model.datacollector.get_model_vars_dataframe()
    last = metrics.iloc[-1]
    return (
        f"end: {int(last['active_labs'])} active labs, {last['capacity_gw']:.1f} GW, "
        f"{int(metrics['hyperscaler_failures'].sum())} provider failures"
    )


def time_once(run: Callable[[int], object], seed: int) -> float:
    """Wall time of one run in seconds, with the garbage collector off while timing."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        run(seed)
        return time.perf_counter() - start
    finally:
        gc.enable()


def measure(benchmarks: list[Benchmark]) -> None:
    """Warm up every benchmark once, then time them in interleaved rounds."""
    for bench in benchmarks:
        print(f"  warm-up: {bench.label}", file=sys.stderr, flush=True)
        model = bench.run(0)
        if bench.describe is not None:
            bench.end_state = bench.describe(model)
    for round_index in range(max(b.repetitions for b in benchmarks)):
        seed = round_index + 1
        for bench in benchmarks:
            if round_index < bench.repetitions:
                bench.times.append(time_once(bench.run, seed))


def verdict(value: float, target: float) -> str:
    """PASS if the ratio is within its target, else MISS."""
    return "PASS" if value <= target else "MISS"


def report(
    reference: Benchmark,
    floor: Benchmark,
    baseline: Benchmark,
    labs100: Benchmark,
    labs1000: Benchmark,
) -> None:
    """Print the timings, the ratios to the reference and the two targets."""
    print(
        f"computemarket speed benchmark: Python {platform.python_version()}, Mesa {version('mesa')}, "
        f"numpy {version('numpy')}, {os.cpu_count()} CPUs"
    )
    print()
    print(
        f"{'benchmark':<44} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} {'/ Boltzmann':>12}"
    )
    for bench in (reference, floor, baseline, labs100, labs1000):
        print(
            f"{bench.label:<44} {len(bench.times):>4} {bench.median:>9.4f} {min(bench.times):>8.4f} "
            f"{max(bench.times):>8.4f} {bench.median / reference.median:>11.2f}x"
        )
    print()
    for bench in (baseline, labs100, labs1000):
        print(f"{bench.label:<44} {bench.end_state} (seed 0)")
    print()
    ratios = [
        ("baseline / Boltzmann", baseline.median / reference.median, BASELINE_TARGET),
        ("1,000 labs / 100 labs", labs1000.median / labs100.median, SCALING_TARGET),
    ]
    print(f"{'ratio':<44} {'value':>9} {'target':>9} {'result':>7}")
    for name, value, target in ratios:
        print(
            f"{name:<44} {value:>9.2f} {'<= ' + format(target, 'g'):>9} {verdict(value, target):>7}"
        )
    budget = BASELINE_TARGET * reference.median
    left = budget - floor.median
    print()
    print(
        f"the baseline target is {1e3 * budget:.1f} ms a run; Mesa's own stepping and collecting at "
        f"the baseline's size take {1e3 * floor.median:.1f} ms of it, leaving "
        f"{1e6 * left / (4 * YEARS):.0f} us a quarter for the market itself "
        f"(it takes {1e6 * (baseline.median - floor.median) / (4 * YEARS):.0f} us)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the report.

    Args:
        argv: Command-line arguments (``--quick`` for fewer repetitions).

    Returns:
        0, always: benchmarks report, they do not fail.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (rough figures)")
    args = parser.parse_args(argv)
    reps = (3, 3, 3, 2, 1) if args.quick else (9, 7, 7, 5, 3)
    reference = Benchmark(
        f"Mesa Boltzmann wealth ({BOLTZMANN_AGENTS} agents, {BOLTZMANN_STEPS} steps)",
        boltzmann,
        reps[0],
    )
    floor = Benchmark("Mesa floor: baseline's size, no economics", mesa_floor(), reps[1])
    end = market_end_state
    baseline = Benchmark(f"computemarket baseline ({YEARS} years)", market(None), reps[2], end)
    labs100 = Benchmark(f"computemarket 100 labs ({YEARS} years)", market(100), reps[3], end)
    labs1000 = Benchmark(f"computemarket 1,000 labs ({YEARS} years)", market(1000), reps[4], end)
    measure([reference, floor, baseline, labs100, labs1000])
    report(reference, floor, baseline, labs100, labs1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
