"""Print every table of docs/findings.md, in markdown, from the sweeps and from direct runs.

The page's tables come from three sweeps and from a few sets of direct runs, all reproducible:

* ``seed-deal`` (section 1): paired effects of Amazon's deal at years 2, 5 and 10, and the share of
  runs in which OpenAI has exited;
* direct runs, seeds 0 to 19 (section 1): AWS's flows over the first five years with and without the
  deal, and OpenAI's survival under variants of ``calibrated-2025`` over ten years;
* ``regimes`` (section 2): paired effects of every rules preset against ``laissez-faire`` at year 20;
* ``demand-shock`` (section 3): lab exits and write-offs summed over twelve years, per cell;
* direct runs, seeds 0 to 19 (Limits): the scale of the calibrated path at 2035Q4 and OpenAI's GW.

Run the sweeps first (``computemarket sweep seed-deal``, ``regimes``, ``demand-shock``), then, from
the repository's root::

    python docs/findings.py                       # results/seed-deal, results/regimes, ...
    python docs/findings.py --seed-deal DIR --regimes DIR --demand-shock DIR

Effects are paired by seed (:func:`computemarket.results.compare.paired_effects`); intervals are 95%
Student-t intervals of the mean over seeds (:func:`computemarket.results.summary.mean_interval`); an
effect is marked n.s. when its paired t-test gives p > 0.05 (equivalently, its interval includes
zero).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import pandas as pd

from computemarket import run
from computemarket.results import load
from computemarket.results.compare import paired_effects
from computemarket.results.summary import mean_interval
from computemarket.simulation.model import ComputeMarket

SEEDS = range(20)
"""Seeds of the direct runs."""

BASE, DEAL = "calibrated-2025", "amazon-openai-50b"

SEED_DEAL_ROWS = [
    ("OpenAI's share of labs' revenue", "model_share[OpenAI]", "pp"),
    ("model-market HHI", "model_hhi", "hhi"),
    ("AWS's share of AI compute revenue", "cloud_share[AWS]", "pp"),
    ("AWS's share of the whole cloud market", "cloud_market_share[AWS]", "pp"),
    ("cloud HHI (AI compute revenue)", "cloud_hhi", "hhi"),
    ("OpenAI's locked-in share of spend", "locked_share[OpenAI]", "pp"),
    ("round-trip ratio, all hyperscalers", "roundtrip_ratio", "ratio3"),
    ("round-trip ratio, AWS", "roundtrip_ratio[AWS]", "ratio3"),
    ("share of AI compute revenue that is round-tripped", "circular_revenue_share", "pp"),
    ("labs active", "active_labs", "count"),
]

REGIME_COLUMNS = [
    ("cloud HHI", "cloud_hhi", "hhi"),
    ("model HHI", "model_hhi", "hhi"),
    ("locked share", "locked_share", "ratio2"),
    ("round-trip ratio", "roundtrip_ratio", "ratio2"),
    ("labs active", "active_labs", "count"),
]

PRESETS = [
    "no-tied-investment",
    "no-exclusivity",
    "eu-data-act",
    "structural-separation",
    "merger-control",
]
"""Rules presets in the page's order (any other preset of the sweep follows)."""

VARIANTS = {
    "as shipped": {},
    "AI spending growth 1.0 a year at the start (not 1.5)": {"market.ai_revenue_growth": 1.0},
    "AI spending growth 2.0": {"market.ai_revenue_growth": 2.0},
    "independent capital halved (`capital.pool_ratio` 0.3)": {"capital.pool_ratio": 0.3},
    "independent capital doubled (`capital.pool_ratio` 1.2)": {"capital.pool_ratio": 1.2},
    "hyperscalers invest twice as much (`hyperscaler.aggressiveness` 2)": {
        "hyperscaler.aggressiveness": 2.0
    },
    "no entry of new labs": {"entry.rate": 0.0},
    "investors ignore failures (`capital.failure_sentiment_hit_per_share` 0)": {
        "capital.failure_sentiment_hit_per_share": 0.0
    },
    "investors react three times as much (`capital.failure_sentiment_hit_per_share` 3)": {
        "capital.failure_sentiment_hit_per_share": 3.0
    },
    "AI spending growth 2.0 and investors ignore failures": {
        "market.ai_revenue_growth": 2.0,
        "capital.failure_sentiment_hit_per_share": 0.0,
    },
}
"""Variants of ``calibrated-2025`` for OpenAI's survival (label as printed: overrides)."""


# ------------------------------------------------------------------------------------ formatting
def _number(value: float, unit: str, signed: bool = True) -> str:
    """One value in the page's style: pp with one decimal, HHI points, ratios, counts."""
    sign = "+" if signed else ""
    if unit == "pp":
        return f"{100 * value:{sign},.1f}"
    if unit == "hhi":
        return f"{value:{sign},.0f}"
    if unit == "ratio3":
        return f"{value:{sign}.3f}"
    if unit == "ratio2":
        return f"{value:{sign}.2f}"
    return f"{value:{sign}.1f}"


def _clean(text: str) -> str:
    """Drop the sign of a value that rounds to zero (``-0.0`` and ``+0.0`` read as ``0.0``)."""
    bare = text.lstrip("+-")
    return bare if not bare.strip("0.,") else text


def _effect(row: pd.Series, unit: str, treated: np.ndarray) -> str:
    """A paired effect: value, interval and n.s. when p > 0.05 (special cases spelled out).

    ``0``: no seed changed; ``(to exactly 0)``: the metric is zero in every run with the change;
    ``0, n.s.``: the effect and both ends of its interval round to zero.
    """
    suffix = " pp" if unit == "pp" else ""
    if row["sd"] == 0 and row["effect"] == 0:
        return "0"
    value, low, high = (_clean(_number(row[key], unit)) for key in ("effect", "low", "high"))
    if np.all(treated == 0):
        return f"{value}{suffix} (to exactly 0)"
    significant = row["p_value"] <= 0.05
    if not significant and all(not text.strip("+-0.,") for text in (value, low, high)):
        return "0, n.s."
    return f"{value}{suffix} ({low} to {high})" + ("" if significant else ", n.s.")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _treated_values(sweep, factor: str, value: object, metric: str, year: float) -> np.ndarray:
    table = sweep.at(after=year)
    return table.loc[table[factor] == value, metric].to_numpy(dtype=float)


def _share(flags: pd.Series) -> str:
    return f"{100 * flags.mean():.0f}%"


# ------------------------------------------------------------------------------ section 1: sweep
def seed_deal_tables(directory: str) -> str:
    """The deal's paired effects at years 2, 5 and 10, and the share of runs where OpenAI exited."""
    sweep = load(directory)
    years = {2: "year 2 (2027Q4)", 5: "year 5 (2030Q4)", 10: "year 10 (2035Q4)"}
    metrics = [metric for _, metric, _ in SEED_DEAL_ROWS]
    effects = {
        year: paired_effects(sweep, "scenario", BASE, metrics, after=year).set_index("metric")
        for year in years
    }
    rows = []
    for label, metric, unit in SEED_DEAL_ROWS:
        cells = [label]
        for year in years:
            treated = _treated_values(sweep, "scenario", DEAL, metric, year)
            cells.append(_effect(effects[year].loc[metric], unit, treated))
        rows.append(cells)
    effects_table = _table(["outcome", *years.values()], rows)
    at_five = effects[5]
    levels = (
        "Round-trip ratio at year 5, without -> with the deal: all hyperscalers "
        f"{at_five.loc['roundtrip_ratio', 'reference_mean']:.3f} -> "
        f"{at_five.loc['roundtrip_ratio', 'mean']:.3f}, AWS "
        f"{at_five.loc['roundtrip_ratio[AWS]', 'reference_mean']:.3f} -> "
        f"{at_five.loc['roundtrip_ratio[AWS]', 'mean']:.3f}"
    )

    exit_years = [3, 5, 7, 10]
    exits = []
    for label, scenario in (("without the deal", BASE), ("with the deal", DEAL)):
        cells = [label]
        for year in exit_years:
            at = sweep.at(after=year)
            cells.append(_share(at.loc[at["scenario"] == scenario, "model_share[OpenAI]"] == 0))
        exits.append(cells)
    exit_table = _table(["", *(f"year {year}" for year in exit_years)], exits)
    return effects_table + "\n\n" + levels + "\n\n" + exit_table


# ------------------------------------------------------------------------ section 1: direct runs
def aws_flows(scenario: str, seed: int) -> tuple[float, float, float]:
    """Over five years: AWS's upfront investment in labs other than OpenAI, and compute spend at AWS.

    Returns:
        ``(investment in other labs, OpenAI's compute spend at AWS, other labs' compute spend at
        AWS)`` in $B; compute spend counts compute payments and take-or-pay shortfalls.
    """
    result = run(scenario, years=5, seed=seed)
    deals, ledger = result.deals, result.ledger
    compute = ledger["kind"].isin(["compute_payment", "take_or_pay"]) & (ledger["payee"] == "AWS")
    invested = deals[
        (deals["investor"] == "AWS") & (deals["lab"] != "OpenAI") & (deals["kind"] == "investment")
    ]["upfront"].sum()
    return (
        float(invested),
        float(ledger.loc[compute & (ledger["payer"] == "OpenAI"), "amount"].sum()),
        float(ledger.loc[compute & (ledger["payer"] != "OpenAI"), "amount"].sum()),
    )


def aws_flows_table() -> str:
    """AWS's flows over 2026-2030 without and with the deal, and the paired effect."""
    pairs = np.array([[aws_flows(s, seed) for s in (BASE, DEAL)] for seed in SEEDS])
    labels = [
        "AWS's upfront investment in labs other than OpenAI",
        "OpenAI's compute spend at AWS",
        "other labs' compute spend at AWS",
    ]
    rows = []
    for i, label in enumerate(labels):
        mean, _, low, high = mean_interval(pairs[:, 1, i] - pairs[:, 0, i])
        rows.append(
            [
                label,
                f"${pairs[:, 0, i].mean():,.0f}B",
                f"${pairs[:, 1, i].mean():,.0f}B",
                f"{mean:+,.0f} ({low:+,.0f} to {high:+,.0f})",
            ]
        )
    header = ["$B over five years (20 seeds)", "without the deal", "with the deal", "effect ($B)"]
    return _table(header, rows)


def variants_table() -> str:
    """OpenAI still active and labs active in 2035Q4 under variants of ``calibrated-2025``."""
    rows = []
    for label, overrides in VARIANTS.items():
        ends = [
            run(BASE, overrides=overrides, years=10, seed=seed).metrics.iloc[-1] for seed in SEEDS
        ]
        alive = pd.Series([end["revenue[OpenAI]"] > 0 for end in ends])
        labs = np.mean([end["active_labs"] for end in ends])
        rows.append([label, _share(alive), f"{labs:.1f}"])
    header = ["variant of `calibrated-2025`", "OpenAI still active in 2035", "labs active in 2035"]
    return _table(header, rows)


# ------------------------------------------------------------------------------ section 2: sweep
def regimes_table(directory: str) -> str:
    """Every rules preset against ``laissez-faire`` at year 20, and the reference's levels."""
    sweep = load(directory)
    metrics = [metric for _, metric, _ in REGIME_COLUMNS]
    effects = paired_effects(sweep, "rules", "laissez-faire", metrics, after=20)
    reference = sweep.at(after=20)
    reference = reference[reference["rules"] == "laissez-faire"]
    tidy = sweep.metrics  # factors included
    tidy = tidy[tidy["rules"] == "laissez-faire"]
    per_run = tidy.groupby("replicate")[["acquisitions", "hyperscaler_failures"]].sum().mean()
    means = (
        f"`laissez-faire` at year 20, mean over seeds: cloud HHI "
        f"{reference['cloud_hhi'].mean():,.0f} (sd {reference['cloud_hhi'].std():,.0f} between "
        f"seeds), model HHI {reference['model_hhi'].mean():,.0f}, locked share "
        f"{reference['locked_share'].mean():.2f}, round-trip ratio "
        f"{reference['roundtrip_ratio'].mean():.2f}, labs active "
        f"{reference['active_labs'].mean():.1f}; over 20 years: "
        f"{per_run['acquisitions']:.1f} acquisitions and "
        f"{per_run['hyperscaler_failures']:.1f} provider failures per run"
    )
    presets = [p for p in PRESETS if p in set(effects["rules"])]
    presets += [p for p in dict.fromkeys(effects["rules"]) if p not in presets]
    rows = []
    for preset in presets:
        cells = [f"`{preset}`"]
        for _, metric, unit in REGIME_COLUMNS:
            row = effects[(effects["rules"] == preset) & (effects["metric"] == metric)].iloc[0]
            treated = _treated_values(sweep, "rules", preset, metric, 20)
            cells.append(_effect(row, unit, treated))
        rows.append(cells)
    header = ["preset", *(label for label, _, _ in REGIME_COLUMNS)]
    return means + "\n\n" + _table(header, rows)


# ------------------------------------------------------------------------------ section 3: sweep
def demand_shock_table(directory: str) -> str:
    """Lab exits over twelve years (mean, 95% CI) and mean $B written off, per shock and multiple."""
    sweep = load(directory)
    growth, multiple = "market.demand_shock_growth", "deals.commitment_multiple"
    tidy = sweep.metrics  # factors included
    totals = (
        tidy.groupby([growth, multiple, "replicate"])
        .agg(exits=("lab_exits", "sum"), written_off=("written_off", "sum"))
        .reset_index()
    )
    labels = {0.0: "0% (no collapse)", -0.3: "-30% a year", -0.6: "-60% a year"}
    multiples = sorted(totals[multiple].unique())
    rows = []
    for shock, label in labels.items():
        cells = [label]
        for value in multiples:
            cell = totals[(totals[growth] == shock) & (totals[multiple] == value)]
            mean, sd, low, high = mean_interval(cell["exits"].to_numpy())
            written = f"${cell['written_off'].mean():,.0f}B"
            if sd == 0:
                cells.append(f"{mean:.1f} ({written})")
            else:
                cells.append(f"{mean:.1f}, {max(low, 0.0):.1f} to {high:.1f} ({written})")
        rows.append(cells)
    names = {0.0: "no commitments"}
    header = ["growth after the shock", *(names.get(m, f"{m:g}x") for m in multiples)]
    return _table(header, rows)


# ---------------------------------------------------------------------------------- limits: scale
def scale_run(seed: int, quarters: tuple[int, ...]) -> dict[str, float]:
    """One ten-year run of ``calibrated-2025``: its 2035Q4 scale and OpenAI's GW served at quarters.

    OpenAI's GW served (inference and training, all providers) is not in the run's tables; it is
    read from the model's lab state after each quarter.
    """
    model = ComputeMarket(market_scenario=BASE, years=10, rng=seed)
    openai = next(lab.index for lab in model.lab_list if lab.name == "OpenAI")
    served = {}
    while model.running:
        model.step()
        if model.quarter in quarters:
            served[model.quarter] = float(model.labs.served[openai])
    tables = model.tables()
    end = tables["metrics"].iloc[-1]
    agents = tables["agents"]
    last = agents[
        (agents["quarter"] == agents["quarter"].max()) & (agents["kind"] == "hyperscaler")
    ]
    values = {
        "ai_market": 4 * float(end["ai_market"]),
        "ai_revenue": 4 * float(last["revenue"].sum()),
        "capacity_gw": float(end["capacity_gw"]),
        "debt": float(last["debt"].sum()),
    }
    values.update({f"openai_gw_{q}": gw for q, gw in served.items()})
    return values


def scale_table() -> str:
    """The calibrated path's scale at 2035Q4 and OpenAI's GW in 2030Q4 and 2033Q4 (20 seeds)."""
    quarters = {20: "2030Q4", 32: "2033Q4"}
    runs = pd.DataFrame([scale_run(seed, tuple(quarters)) for seed in SEEDS])

    def interval(values: pd.Series, show: Callable[[float], str]) -> str:
        mean, _, low, high = mean_interval(values.to_numpy())
        return f"{show(mean)} ({show(low)} to {show(high)})"

    trillions = lambda v: f"${v / 1000:.2f}T"  # noqa: E731
    rows = [
        ["end-user AI spending in 2035Q4, annualised", interval(runs["ai_market"], trillions)],
        [
            "hyperscalers' AI compute revenue in 2035Q4, annualised",
            interval(runs["ai_revenue"], trillions),
        ],
        [
            "AI capacity installed in 2035Q4",
            interval(runs["capacity_gw"], lambda v: f"{v:,.0f} GW"),
        ],
        ["hyperscalers' debt in 2035Q4", interval(runs["debt"], trillions)],
    ]
    for quarter, label in quarters.items():
        gw = runs[f"openai_gw_{quarter}"]
        active = gw[gw > 0]
        rows.append(
            [
                f"OpenAI's compute served in {label}, runs where it is active",
                f"{interval(active, lambda v: f'{v:.0f} GW')}, {len(active)} of {len(gw)} runs",
            ]
        )
    return _table(["`calibrated-2025`, 20 seeds", "mean (95% CI)"], rows)


def main() -> None:
    """Print the page's tables, section by section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-deal", default="results/seed-deal", help="the seed-deal sweep")
    parser.add_argument("--regimes", default="results/regimes", help="the regimes sweep")
    parser.add_argument("--demand-shock", default="results/demand-shock", help="the shock sweep")
    args = parser.parse_args()
    sections = [
        ("1. seed-deal: effects and OpenAI's exits", lambda: seed_deal_tables(args.seed_deal)),
        ("1. AWS's flows over five years", aws_flows_table),
        ("1. OpenAI's survival under variants", variants_table),
        ("2. regimes", lambda: regimes_table(args.regimes)),
        ("3. demand shock", lambda: demand_shock_table(args.demand_shock)),
        ("Limits: scale of the calibrated path", scale_table),
    ]
    for title, make in sections:
        print(f"## {title}\n\n{make()}\n")


if __name__ == "__main__":
    main()
