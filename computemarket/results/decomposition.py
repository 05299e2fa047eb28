"""Where a deal's money and compute went: an investor's flows in each arm of a decomposition.

A sweep keeps per-quarter metrics; the channel of a deal's effect needs the run's ledger, deals and
agents. :func:`investor_flows` reads them from one run (its tables, as :func:`computemarket.run`
returns them); :func:`run_flows` runs each arm of a decomposition with the same seeds (by default
the seeds of a sweep's design, so the flows belong to the sweep's own runs); :func:`flows_table`
puts each arm's means beside its paired effect against a reference arm.

Every flow is summed over a window of quarters from the start of the run (quarter 0, the initial
state, has no flows): ``years = 5`` is quarters 1 to 20.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from computemarket.results.summary import mean_interval

COMPUTE_KINDS = ("compute_payment", "take_or_pay")
"""Ledger kinds that are payments for compute (take-or-pay shortfalls included)."""
INVESTMENT_KINDS = ("investment", "independent_investment")
"""Ledger kinds of money invested in a lab (by hyperscalers, by independent capital)."""


class RunTables(Protocol):
    """What :func:`investor_flows` reads from a run (a :class:`computemarket.RunResult`)."""

    ledger: pd.DataFrame
    deals: pd.DataFrame
    agents: pd.DataFrame


@dataclass(frozen=True)
class Flow:
    """One row of the accounting: its column, how the findings name it, and its unit."""

    column: str
    label: str
    unit: str


def flow_rows(investor: str, lab: str, rival: str) -> tuple[Flow, ...]:
    """The accounting's rows, in order, named for the investor and the labs.

    Args:
        investor: The investing provider, e.g. ``"AWS"``.
        lab: The lab the named deal is with, e.g. ``"OpenAI"``.
        rival: The other lab reported on its own, e.g. ``"Anthropic"``.
    """
    return (
        Flow("invested_in_lab", f"{investor}'s money paid into {lab} (all deals)", "$B"),
        Flow("revenue_from_lab", f"{investor}'s compute revenue from {lab}", "$B"),
        Flow("revenue_from_rival", f"{investor}'s compute revenue from {rival}", "$B"),
        Flow("revenue_from_others", f"{investor}'s compute revenue from every other lab", "$B"),
        Flow("revenue_share", f"revenue share {lab} paid {investor}", "$B"),
        Flow("lab_compute_elsewhere", f"{lab}'s compute spend at other providers", "$B"),
        Flow("lab_money_received", f"money invested in {lab} by everyone", "$B"),
        Flow("lab_take_or_pay", f"{lab}'s take-or-pay shortfalls, all providers", "$B"),
        Flow("own_deals", f"{investor}'s own deals signed (count)", "count"),
        Flow("own_deal_amount", f"{investor}'s own deals signed ($B, whole amounts)", "$B"),
        Flow("own_deal_amount_lab", f"... of which with {lab} (follow-ons)", "$B"),
        Flow("capacity_gw", f"{investor}'s capacity at the end of the window", "GW"),
        Flow("utilization", f"{investor}'s mean utilisation over the window", "share"),
    )


def investor_flows(
    tables: RunTables,
    *,
    investor: str = "AWS",
    lab: str = "OpenAI",
    rival: str = "Anthropic",
    years: float = 5,
) -> dict[str, float]:
    """An investor's flows in one run, summed over quarters 1 to ``4 * years``.

    Args:
        tables: The run's ``ledger``, ``deals`` and ``agents`` tables.
        investor: The investing provider.
        lab: The lab of the named deal.
        rival: The other lab reported on its own.
        years: The window, in years from the start.

    Returns:
        One value per :func:`flow_rows` column: money in $B (compute revenue is compute payments
        plus take-or-pay shortfalls; money invested counts hyperscalers' and independent
        investment, tranches as they are paid), deal counts, GW, and utilisation (served over
        capacity, averaged over the window's quarters).
    """
    last = round(4 * years)
    ledger = tables.ledger[(tables.ledger["quarter"] >= 1) & (tables.ledger["quarter"] <= last)]
    compute = ledger[ledger["kind"].isin(COMPUTE_KINDS)]
    to_investor = compute[compute["payee"] == investor]
    labs = set(tables.agents.loc[tables.agents["kind"] == "lab", "name"])
    from_others = to_investor["payer"].isin(labs - {lab, rival})
    deals = tables.deals[(tables.deals["quarter"] >= 1) & (tables.deals["quarter"] <= last)]
    own = deals[
        (deals["investor"] == investor)
        & (deals["origin"] == "endogenous")
        & (deals["kind"] == "investment")
    ]
    agents = tables.agents[
        (tables.agents["name"] == investor)
        & (tables.agents["quarter"] >= 1)
        & (tables.agents["quarter"] <= last)
    ]
    end = agents[agents["quarter"] == agents["quarter"].max()]

    def paid(frame: pd.DataFrame) -> float:
        return float(frame["amount"].sum())

    return {
        "invested_in_lab": paid(
            ledger[
                (ledger["kind"] == "investment")
                & (ledger["payer"] == investor)
                & (ledger["payee"] == lab)
            ]
        ),
        "revenue_from_lab": paid(to_investor[to_investor["payer"] == lab]),
        "revenue_from_rival": paid(to_investor[to_investor["payer"] == rival]),
        "revenue_from_others": paid(to_investor[from_others]),
        "revenue_share": paid(
            ledger[
                (ledger["kind"] == "revenue_share")
                & (ledger["payer"] == lab)
                & (ledger["payee"] == investor)
            ]
        ),
        "lab_compute_elsewhere": paid(
            compute[(compute["payer"] == lab) & (compute["payee"] != investor)]
        ),
        "lab_money_received": paid(
            ledger[ledger["kind"].isin(INVESTMENT_KINDS) & (ledger["payee"] == lab)]
        ),
        "lab_take_or_pay": paid(
            ledger[(ledger["kind"] == "take_or_pay") & (ledger["payer"] == lab)]
        ),
        "own_deals": float(len(own)),
        "own_deal_amount": float(own["amount"].sum()),
        "own_deal_amount_lab": float(own.loc[own["lab"] == lab, "amount"].sum()),
        "capacity_gw": float(end["capacity_gw"].iloc[0]) if len(end) else np.nan,
        "utilization": float(agents["utilization"].mean()) if len(agents) else np.nan,
    }


def run_flows(
    scenarios: Sequence[str],
    seeds: Iterable[int],
    *,
    windows: Sequence[float] = (5,),
    horizon: int | None = None,
    investor: str = "AWS",
    lab: str = "OpenAI",
    rival: str = "Anthropic",
    run_fn: Callable[..., Any] | None = None,
) -> pd.DataFrame:
    """Run every arm with every seed and account for the investor's flows over each window.

    Args:
        scenarios: The arms (shipped scenario names or paths).
        seeds: The seeds, the same for every arm (paired runs).
        windows: Windows in years from the start; one row per arm, seed and window.
        horizon: Years to run (default: the longest window).
        investor: The investing provider.
        lab: The lab of the named deal.
        rival: The other lab reported on its own.
        run_fn: ``run_fn(scenario, years=, seed=)`` returning the run's tables (default:
            :func:`computemarket.run`).

    Returns:
        Columns ``scenario``, ``seed``, ``years`` (the window) and one per flow.
    """
    if run_fn is None:
        from computemarket.simulation.runner import run as run_fn
    years = horizon or int(np.ceil(max(windows)))
    rows = []
    for seed in seeds:
        for scenario in scenarios:
            tables = run_fn(scenario, years=years, seed=int(seed))
            for window in windows:
                flows = investor_flows(
                    tables, investor=investor, lab=lab, rival=rival, years=window
                )
                rows.append({"scenario": scenario, "seed": int(seed), "years": window, **flows})
    return pd.DataFrame(rows)


def flows_table(flows: pd.DataFrame, reference: str, confidence: float = 0.95) -> pd.DataFrame:
    """Each arm's mean flows, and their paired effect against a reference arm.

    Args:
        flows: Rows of :func:`run_flows` (one window, or a ``years`` column to group by).
        reference: The reference arm (a value of ``scenario``).
        confidence: Coverage of the intervals of the paired effects.

    Returns:
        One row per window, arm and flow: ``years``, ``scenario``, ``flow``, ``n``, ``mean``,
        ``reference_mean``, ``effect``, ``low``, ``high`` (the effect is 0 with no interval for
        the reference arm itself).

    Raises:
        ValueError: If the reference arm is not among the flows.
    """
    if reference not in set(flows["scenario"]):
        raise ValueError(f"reference arm {reference!r} is not among the flows' scenarios")
    names = [c for c in flows.columns if c not in ("scenario", "seed", "years")]
    rows = []
    for window, group in flows.groupby("years", sort=True):
        base = group[group["scenario"] == reference].set_index("seed")
        for scenario in dict.fromkeys(group["scenario"]):
            arm = group[group["scenario"] == scenario].set_index("seed")
            common = base.index.intersection(arm.index)
            for name in names:
                a = base.loc[common, name].to_numpy(dtype=float)
                b = arm.loc[common, name].to_numpy(dtype=float)
                effect, _, low, high = (
                    mean_interval(b - a, confidence)
                    if scenario != reference
                    else (0.0, np.nan, np.nan, np.nan)
                )
                rows.append(
                    {
                        "years": window,
                        "scenario": scenario,
                        "flow": name,
                        "n": len(common),
                        "mean": float(np.mean(b)) if b.size else np.nan,
                        "reference_mean": float(np.mean(a)) if a.size else np.nan,
                        "effect": effect,
                        "low": low,
                        "high": high,
                    }
                )
    return pd.DataFrame(rows)
