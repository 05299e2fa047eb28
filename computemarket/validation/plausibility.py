"""Plausibility: does a 10-year run of ``calibrated-2025`` read as a world that could happen?

The bounds live in the package as data, ``computemarket/data/plausibility_2026_2035.csv``, one row per
check with its source. They were written down from public figures before the model they check was
run (docs/evidence: issue 12), and are not tuned. Each row names a statistic of a run (below),
computed over its period; a row passes when the median over seeds of the statistic's smallest and
largest value in the period both lie within the bounds. ``fitted`` rows are the calibration
targets of ``calibrated-2025`` (its inputs were set so that they hold): a fitted row outside its
bounds fails. A held-out row outside its bounds is a ``miss``: a result about the model, explained
on the page with its likely mechanism (:data:`MISS_MECHANISMS`), as the backcast's misses are.
A ``reported`` row is shown, not tested: the model does not hold the quantity its source measures.

Two rows were rescoped after the first run of the checks (2026-11-30), before any input was set
from them: row 8 (debt per GW) first took the largest over all providers and row 9 (debt / revenue)
was tested; both compared a parent's whole debt with the model's AI capacity and cloud revenue
(Oracle: $108B of debt, 0.5 GW and $14B a year of cloud revenue at the start, all from the data).

Statistics (calendar periods read from the metrics' ``year`` column; ``2026`` is its four quarters,
``2026-2030`` the quarters of those years, ``2025Q4`` the start):

- ``provider_capex`` ($B per year, entity a provider): its capex summed over the year;
- ``capacity_gw``: installed GW at the end of the year; ``capacity_growth``: that over the start's;
- ``max_neocloud_debt_per_gw``: the largest debt per installed GW of a neocloud (its debt is
  secured on its fleet; a hyperscaler's is the parent's and finances all its businesses);
- ``max_debt_to_revenue_corporate`` / ``_neocloud``: the largest debt over annualised revenue (AI
  compute plus non-AI cloud) of a provider that sells cloud, not a neocloud / a neocloud; captive
  providers (Meta), whose revenue is outside the model, are left out;
- ``aggregate_debt_to_revenue``: all those providers' debt over their annualised revenue;
- ``neocloud_rate``: the neoclouds' average interest rate;
- ``hyperscaler_investment``: money paid into labs by hyperscalers over the year;
- ``investment_to_cash_flow``: that over the listed hyperscalers' other-business cash flow (the
  parents' operating cash flow that sets their strategic budgets), per year;
- ``compute_price_change``: the annualised change of ``compute_price_index`` from the start to the
  end of the period;
- ``lab_gross_margin``, ``lab_cost_ratio``, ``training_spend_ratio``, ``inference_share``: the
  metrics of those names (docs/model.md §8): in a quarter, or each year's mean over a period of
  years (flows are read by the year, as the sources report them);
- ``end_user_spend``: end-user AI spending summed over the year;
- ``lab_compute_gw`` (entity a lab): :mod:`computemarket.validation.moments`'s moment;
- ``leader_valuation_multiple``: valuation over annualised revenue of OpenAI and Anthropic, each
  year's mean for each;
- ``endogenous_deals_per_year``: investments the model decided (not the scenario's agreements),
  per year of the period; ``median_commitment_multiple``: the median commitment per $ of them;
- ``bbb_spread_after_shock``: ``bbb_spread`` one to two years after the demand shock of the
  stylized-fact runs (:data:`~computemarket.validation.checks.SHOCK`, year 3), in those runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from computemarket.simulation.runner import run
from computemarket.simulation.scenario import load_scenario
from computemarket.validation.checks import CALIBRATED, SHOCK, Check, Job
from computemarket.validation.moments import RunTables, moments

BOUNDS_FILE = "plausibility_2026_2035.csv"
"""The plausibility bounds, in ``computemarket/data``."""
GROUP = "plausibility (calibrated-2025, 2026-2035)"
YEARS = 10
SHOCK_WINDOW = (1.0, 2.0)
"""Years after the shock in which ``bbb_spread_after_shock`` is read."""


def load_bounds() -> pd.DataFrame:
    """The shipped plausibility bounds, one row per check."""
    path = resources.files("computemarket.data").joinpath(BOUNDS_FILE)
    with resources.as_file(path) as local:
        return pd.read_csv(local, dtype={"entity": str, "period": str}, keep_default_na=False)


# ------------------------------------------------------------------------------------- periods
def _quarters_of(metrics: pd.DataFrame, period: str) -> np.ndarray:
    """Quarters (the metrics' ``quarter`` values) whose calendar time falls in ``period``."""
    start_of = metrics["year"].to_numpy()  # a row's year is its quarter's start: 2025.75 is 2025Q4
    if "Q" in period:
        y, q = period.split("Q")
        mask = np.isclose(start_of, int(y) + (int(q) - 1) / 4)
    elif "-" in period:
        first, last = (int(x) for x in period.split("-"))
        mask = (start_of >= first - 1e-9) & (start_of < last + 1 - 1e-9)
    else:
        mask = (start_of >= int(period) - 1e-9) & (start_of < int(period) + 1 - 1e-9)
    return metrics["quarter"].to_numpy()[mask]


def _years_of(period: str) -> list[int]:
    if "-" in period:
        first, last = (int(x) for x in period.split("-"))
        return list(range(first, last + 1))
    return [int(period)]


# ---------------------------------------------------------------------------------- statistics
Statistic = Callable[[RunTables, Any, str, str], tuple[float, float]]


def _range(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)


def _metric(name: str) -> Statistic:
    """A metric's value in a quarter, or its mean over each year of a period of years."""

    def statistic(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
        m = run.metrics
        if "Q" in period:
            return _range(m.loc[m["quarter"].isin(_quarters_of(m, period)), name])
        return _range(
            [
                m.loc[m["quarter"].isin(_quarters_of(m, str(y))), name].mean()
                for y in _years_of(period)
            ]
        )

    return statistic


def _yearly_sum(name: str) -> Statistic:
    def statistic(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
        m = run.metrics
        return _range(
            [
                m.loc[m["quarter"].isin(_quarters_of(m, str(y))), name].sum()
                for y in _years_of(period)
            ]
        )

    return statistic


def provider_capex(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
    """A provider's capex summed over each year of the period."""
    a = run.agents
    mine = a[(a["kind"] == "hyperscaler") & (a["name"] == entity)]
    totals = [
        mine.loc[mine["quarter"].isin(_quarters_of(run.metrics, str(y))), "capex"].sum()
        for y in _years_of(period)
    ]
    return _range(totals)


def capacity_at_end(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
    """Installed GW at the end of each year of the period."""
    m = run.metrics
    ends = [
        m.loc[m["quarter"] == _quarters_of(m, str(y)).max(), "capacity_gw"].iloc[0]
        for y in _years_of(period)
    ]
    return _range(ends)


def capacity_growth(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
    """Installed GW at the end of the year over the start's."""
    start = float(run.metrics["capacity_gw"].iloc[0])
    low, high = capacity_at_end(run, scenario, entity, period)
    return low / start, high / start


def _sellers(run: RunTables, scenario: Any) -> pd.DataFrame:
    """Provider rows of providers that sell cloud (captive ones excluded), with a neocloud flag."""
    captive = {h.name for h in scenario.hyperscalers if h.captive}
    neocloud = {h.name for h in scenario.hyperscalers if h.neocloud}
    a = run.agents
    p = a[(a["kind"] == "hyperscaler") & a["alive"] & ~a["name"].isin(captive)].copy()
    p["neocloud"] = p["name"].isin(neocloud) | p["name"].str.startswith("Neocloud")
    p["annual_revenue"] = 4.0 * (p["revenue"] + p["non_ai_revenue"])
    return p


def _in_period(frame: pd.DataFrame, run: RunTables, period: str) -> pd.DataFrame:
    return frame[frame["quarter"].isin(_quarters_of(run.metrics, period))]


def max_neocloud_debt_per_gw(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """The largest debt per installed GW of a neocloud with capacity, over the period."""
    p = _in_period(_sellers(run, scenario), run, period)
    p = p[p["neocloud"] & (p["capacity_gw"] > 0)]
    if p.empty:
        return 0.0, 0.0  # no neocloud: nothing to be out of bounds
    ratio = p["debt"] / p["capacity_gw"]
    return _range(ratio.groupby(p["quarter"]).max())


def _max_debt_to_revenue(neocloud: bool) -> Statistic:
    def statistic(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
        p = _in_period(_sellers(run, scenario), run, period)
        p = p[(p["neocloud"] == neocloud) & (p["annual_revenue"] > 0)]
        if p.empty:
            return 0.0, 0.0  # no such provider: nothing to be out of bounds
        ratio = p["debt"] / p["annual_revenue"]
        return _range(ratio.groupby(p["quarter"]).max())

    return statistic


def aggregate_debt_to_revenue(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """All cloud-selling providers' debt over their annualised revenue, at the end of each year."""
    p = _sellers(run, scenario)
    values = []
    for year in period.split(";"):
        last = _quarters_of(run.metrics, year).max()
        q = p[p["quarter"] == last]
        values.append(q["debt"].sum() / q["annual_revenue"].sum())
    return _range(values)


def neocloud_rate(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
    """The neoclouds' average interest rate over the period (none: nothing to check)."""
    p = _in_period(_sellers(run, scenario), run, period)
    p = p[p["neocloud"] & (p["debt"] > 0)]
    return _range(p["interest_rate"]) if not p.empty else (0.1, 0.1)


def investment_to_cash_flow(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """Hyperscaler investment in labs per year over the listed providers' other-business cash flow.

    The cash flow is the scenario's, grown at ``market.non_ai_cloud_growth`` as the model grows it.
    """
    m = run.metrics
    quarterly = sum(h.other_cash_flow for h in scenario.hyperscalers)
    growth = (1.0 + scenario.market.non_ai_cloud_growth) ** 0.25
    ratios = []
    for year in _years_of(period):
        quarters = _quarters_of(m, str(year))
        invested = m.loc[m["quarter"].isin(quarters), "hyperscaler_investment"].sum()
        cash_flow = sum(quarterly * growth**q for q in quarters)
        ratios.append(invested / cash_flow if cash_flow > 0 else math.nan)
    return _range(ratios)


def compute_price_change(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """Annualised change of ``compute_price_index`` from the start to the end of the period."""
    m = run.metrics
    years = _years_of(period)
    end = float(
        m.loc[m["quarter"] == _quarters_of(m, str(years[-1])).max(), "compute_price_index"].iloc[0]
    )
    start = float(m["compute_price_index"].iloc[0])
    change = (end / start) ** (1.0 / len(years)) - 1.0
    return change, change


def lab_compute_gw(run: RunTables, scenario: Any, entity: str, period: str) -> tuple[float, float]:
    """:mod:`computemarket.validation.moments`'s ``lab_compute_gw`` of a lab in a quarter."""
    key = pd.DataFrame({"series": ["lab_compute_gw"], "entity": [entity], "period": [period]})
    value = float(moments([run], key)["simulated"].iloc[0])
    return value, value


def leader_valuation_multiple(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """Valuation over annualised revenue of OpenAI and Anthropic, each year's mean, while active."""
    a = run.agents
    leaders = a[a["name"].isin(["OpenAI", "Anthropic"]) & a["alive"] & (a["revenue"] > 0)]
    multiples = []
    for year in _years_of(period):
        mine = leaders[leaders["quarter"].isin(_quarters_of(run.metrics, str(year)))]
        ratio = mine["valuation"] / (4.0 * mine["revenue"])
        multiples += ratio.groupby(mine["name"]).mean().tolist()
    return _range(multiples)


def _endogenous(run: RunTables, period: str) -> pd.DataFrame:
    d = run.deals
    quarters = _quarters_of(run.metrics, period)
    return d[
        (d["origin"] == "endogenous") & (d["kind"] == "investment") & d["quarter"].isin(quarters)
    ]


def endogenous_deals_per_year(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """Investments the model decided, per year of the period."""
    rate = len(_endogenous(run, period)) / len(_years_of(period))
    return rate, rate


def median_commitment_multiple(
    run: RunTables, scenario: Any, entity: str, period: str
) -> tuple[float, float]:
    """Median commitment per $ invested of the investments the model decided."""
    deals = _endogenous(run, period)
    deals = deals[deals["amount"] > 0]
    if deals.empty:
        return math.nan, math.nan
    value = float((deals["commitment"] / deals["amount"]).median())
    return value, value


STATISTICS: dict[str, Statistic] = {
    "provider_capex": provider_capex,
    "capacity_gw": capacity_at_end,
    "capacity_growth": capacity_growth,
    "max_neocloud_debt_per_gw": max_neocloud_debt_per_gw,
    "max_debt_to_revenue_corporate": _max_debt_to_revenue(neocloud=False),
    "max_debt_to_revenue_neocloud": _max_debt_to_revenue(neocloud=True),
    "aggregate_debt_to_revenue": aggregate_debt_to_revenue,
    "neocloud_rate": neocloud_rate,
    "hyperscaler_investment": _yearly_sum("hyperscaler_investment"),
    "investment_to_cash_flow": investment_to_cash_flow,
    "compute_price_change": compute_price_change,
    "lab_gross_margin": _metric("lab_gross_margin"),
    "lab_cost_ratio": _metric("lab_cost_ratio"),
    "training_spend_ratio": _metric("training_spend_ratio"),
    "inference_share": _metric("inference_share"),
    "end_user_spend": _yearly_sum("end_user_spend"),
    "lab_compute_gw": lab_compute_gw,
    "leader_valuation_multiple": leader_valuation_multiple,
    "endogenous_deals_per_year": endogenous_deals_per_year,
    "median_commitment_multiple": median_commitment_multiple,
}
"""Each statistic of the bounds file: ``(run, scenario, entity, period) -> (smallest, largest)``."""


def bbb_spread_after_shock(run: RunTables, shock_year: float) -> tuple[float, float]:
    """``bbb_spread`` from one to two years after the shock, in a run with the shock."""
    m = run.metrics
    elapsed = m["quarter"] / 4.0 - shock_year
    window = (elapsed >= SHOCK_WINDOW[0]) & (elapsed <= SHOCK_WINDOW[1])
    return _range(m.loc[window, "bbb_spread"])


# ------------------------------------------------------------------------------------ the rows
def statistic_ranges(
    bounds: pd.DataFrame, runs: Sequence[RunTables], shocked: Sequence[RunTables]
) -> pd.DataFrame:
    """Each row's statistic per run: one row per (check, run) with its smallest and largest value."""
    scenario = load_scenario(CALIBRATED)
    rows = []
    for check in bounds.itertuples(index=False):
        for seed, tables in enumerate(
            shocked if check.statistic == "bbb_spread_after_shock" else runs
        ):
            if check.statistic == "bbb_spread_after_shock":
                shock_year = float(SHOCK["market.demand_shock_year"])
                low, high = bbb_spread_after_shock(tables, shock_year)
            else:
                low, high = STATISTICS[check.statistic](
                    tables, scenario, check.entity, check.period
                )
            rows.append({"id": check.id, "run": seed, "low": low, "high": high})
    return pd.DataFrame(rows)


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if unit in ("fraction", "per year") and abs(value) < 1:
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def to_checks(bounds: pd.DataFrame, ranges: pd.DataFrame) -> list[Check]:
    """One validation row per check: the median over runs of the statistic's range, against bounds."""
    checks = []
    for check in bounds.itertuples(index=False):
        mine = ranges[ranges["id"] == check.id]
        low, high = float(mine["low"].median()), float(mine["high"].median())
        inside = math.isfinite(low) and check.lower <= low and high <= check.upper
        if check.role == "fitted":
            status = "pass" if inside else "fail"
            role = "calibration target"
        elif check.role == "reported":
            status, role = "info", "reported"
        else:
            status = "pass" if inside else "miss"
            role = "held out"
        measured = (
            _fmt(low, check.unit)
            if low == high
            else f"{_fmt(low, check.unit)} to {_fmt(high, check.unit)}"
        )
        bounds_text = (
            f"{_fmt(check.lower, check.unit)} to {_fmt(check.upper, check.unit)} {check.unit}"
        )
        checks.append(
            Check(
                group=GROUP,
                name=f"{check.id}. {check.check} ({check.period}; {role})",
                expected=bounds_text,
                measured=f"{measured} (median over {mine['run'].nunique()} runs)",
                error="within" if inside else "outside",
                status=status,
                source=check.source + (" (weak source)" if check.strength == "weak" else ""),
            )
        )
    return checks


def simulate_tables(job: Job) -> RunTables:
    """Run a job and keep the tables the statistics read (a top-level function: it pickles)."""
    result = run(
        job.scenario, rules=job.rules, overrides=dict(job.overrides), years=job.years, seed=job.seed
    )
    return RunTables(result.metrics, result.agents, result.deals)


def plausibility_runs(
    seeds: int, executor: Executor | None = None
) -> tuple[list[RunTables], list[RunTables]]:
    """The runs the rows need: ``calibrated-2025`` for 10 years, and the same with the shock."""
    plain = [Job(CALIBRATED, seed, YEARS) for seed in range(seeds)]
    shocked = [
        Job(CALIBRATED, seed, YEARS, overrides=tuple(SHOCK.items())) for seed in range(seeds)
    ]
    mapped = executor.map if executor else map
    return list(mapped(simulate_tables, plain)), list(mapped(simulate_tables, shocked))


def plausibility_checks(
    seeds: int,
    executor: Executor | None = None,
    runs: tuple[Sequence[RunTables], Sequence[RunTables]] | None = None,
) -> list[Check]:
    """The plausibility rows of ``computemarket validate``.

    Args:
        seeds: Seeds of each set of runs (0, 1, ...).
        executor: Runs them on this executor if given.
        runs: ``(plain, shocked)`` tables already made (then ``seeds`` and ``executor`` are unused).
    """
    plain, shocked = plausibility_runs(seeds, executor) if runs is None else runs
    bounds = load_bounds()
    return to_checks(bounds, statistic_ranges(bounds, plain, shocked))


MISS_MECHANISMS: dict[str, str] = {
    "capacity_gw": (
        "the supply curve does not bind; providers build for the labs' demand and backlog, and the "
        "labs' compute need was calibrated down to OpenAI's ~1.9 GW at the start, so the fleet grows "
        "from 6.8 GW; the lower bound itself is weak (US forecasts less an assumed 20% not modelled)"
    ),
    "leader_valuation_multiple": (
        "valuations follow revenue growth and margin, and the model erodes the leaders' shares "
        "faster than the data (OpenAI's revenue stalls for a year or two after 2027 in most seeds, "
        "so its multiple falls to the 8x floor): the same mechanism as the backcast's miss on "
        "OpenAI's revenue, quality catch-up by labs far behind"
    ),
    "bbb_spread_after_shock": (
        "credit conditions tighten only with defaults, and the demand shock causes few: labs' costs "
        "scale with their revenue, commitments are restructured, hyperscalers carry the AI business "
        "on their other cash flow, and the AI sector's debt outside their balance sheets (project "
        "and SPV financing, GPU-backed loans to labs) is not in the model; nor is a macro-financial "
        "channel from a bust to spreads without defaults"
    ),
}
"""Likely mechanism of each held-out miss, by statistic (written after the runs that showed them)."""


def plausibility_summary(rows: Sequence[Check]) -> list[str]:
    """Markdown lines for the page: how many rows hold, and each miss with its likely mechanism."""
    mine = [r for r in rows if r.group == GROUP]
    if not mine:
        return []
    held = [r for r in mine if "held out" in r.name]
    misses = [r for r in held if r.status == "miss"]
    bounds = load_bounds().set_index("id")
    lines = [
        "",
        "## Plausibility: what it shows",
        "",
        f"{len(held) - len(misses)} of {len(held)} held-out rows lie within bounds taken from public "
        "figures before the model was run (the *calibration target* rows were fitted and show the "
        "calibration, not a test; *reported* rows cannot be compared like for like). The misses:",
        "",
    ]
    for row in misses:
        number = int(row.name.split(".", 1)[0])
        statistic = bounds.loc[number, "statistic"]
        reason = MISS_MECHANISMS.get(statistic, "not explained yet.")
        lines.append(
            f"- {row.name}: {row.measured} against {row.expected}. Likely cause: {reason}."
        )
    if not misses:
        lines.append("- none.")
    return lines
