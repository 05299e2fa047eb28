"""A synthetic stand-in for the market model, for testing and timing the sweep machinery alone.

:func:`synthetic_run` has the model's run-function signature and returns a small metrics table that
depends on the scenario's commitment multiple and switching cost and on the seed, in microseconds.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from computemarket.simulation.scenario import Scenario


def synthetic_run(
    scenario: Scenario,
    *,
    years: int,
    seed: int,
    delay_s: float = 0.0,
    fail_every: int = 0,
    die_every: int = 0,
) -> pd.DataFrame:
    """A fake run: concentration drifts up with the commitment multiple and down with switching cost.

    Args:
        scenario: The resolved scenario (only deal terms and rules are read).
        years: Horizon; the table has ``4 * years + 1`` quarters.
        seed: Seed of the noise.
        delay_s: Seconds to sleep, to stand in for the model's cost.
        fail_every: If positive, raise for seeds divisible by it (to test failure handling).
        die_every: If positive, end the whole process for seeds divisible by it (a crashed worker).

    Returns:
        One row per quarter: quarter, year, cloud_hhi, locked_share, switching_rate, active_labs,
        and uniform noise under the model's other metric names.

    Raises:
        RuntimeError: For the seeds ``fail_every`` selects.
    """
    if fail_every and seed % fail_every == 0:
        raise RuntimeError(f"synthetic failure for seed {seed}")
    if die_every and seed % die_every == 0:
        os._exit(3)
    if delay_s:
        time.sleep(delay_s)
    rng = np.random.default_rng(seed)
    quarters = np.arange(4 * years + 1)
    drift = 20.0 * scenario.deals.commitment_multiple - 60.0 * scenario.rules.switching_cost
    noise = np.cumsum(rng.normal(0.0, 40.0, quarters.size))
    cloud_hhi = np.clip(1500.0 + drift * quarters / 4 + noise, 10_000 / 50, 10_000)
    locked = 1.0 - np.exp(-0.05 * scenario.deals.commitment_multiple * (quarters + 1) / 4)
    metrics = pd.DataFrame(
        {
            "quarter": quarters,
            "year": scenario.market.start_year + quarters / 4,
            "cloud_hhi": cloud_hhi,
            "locked_share": locked,
            "switching_rate": rng.uniform(0.0, 0.1, quarters.size)
            / (1.0 + scenario.rules.switching_cost),
            "active_labs": rng.integers(10, 25, quarters.size),
        }
    )
    # The model's other metrics, so shipped experiments run unchanged on the stand-in.
    for name in SYNTHETIC_FILLERS:
        metrics[name] = rng.uniform(0.0, 1.0, quarters.size)
    return metrics


SYNTHETIC_FILLERS = (
    "capacity_hhi",
    "cloud_market_hhi",
    "model_hhi",
    "cloud_cr1",
    "cloud_cr3",
    "model_cr1",
    "effective_clouds",
    "lab_entries",
    "lab_exits",
    "max_provider_share",
    "switching_cost_ratio",
    "roundtrip_ratio",
    "circular_revenue_share",
    "utilization",
    "written_off",
    "ledger_imbalance",
)
