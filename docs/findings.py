"""Regenerate every table, claim and figure of docs/findings.md from the sweeps and direct runs.

The page's numbers live between markers, ``<!-- findings.py: NAME -->`` and
``<!-- end NAME -->``; this script computes each block and either prints them all or writes them
into the page in place (the prose around them is left alone). Run the sweeps first, then, from
the repository's root::

    computemarket sweep deal-decomposition        # 240 runs, about a minute on two cores
    computemarket sweep deal-robustness           # 4,608 runs, 8-12 minutes on two cores
    computemarket sweep regimes
    computemarket sweep demand-shock
    python docs/findings.py --write docs/findings.md --figure docs/images/deal-decomposition.png

``--results DIR`` reads the sweeps from ``DIR/<experiment>`` (default ``results``). The direct runs
(AWS's flows, the scale of the calibrated path) use the seeds of the ``deal-decomposition`` sweep's
design, so they are that sweep's own runs, with their ledgers and deals.

Effects are paired by seed (:func:`computemarket.results.compare.paired_effects`); intervals are
95% Student-t intervals of the mean paired difference (:func:`computemarket.results.summary.
mean_interval`); an effect is marked n.s. when its paired t-test gives p > 0.05. Over the plausible
range (``deal-robustness``), each parameter point is tested on its own seeds (8) and the shares of
points where the effect is significantly positive, negative or neither are reported
(:func:`computemarket.results.compare.cell_significance`).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from computemarket.experiments import load_experiment
from computemarket.results import load
from computemarket.results.compare import paired_effects
from computemarket.results.decomposition import flow_rows, flows_table, run_flows
from computemarket.results.load import SweepResults
from computemarket.results.summary import mean_interval, wilson_interval
from computemarket.simulation.model import ComputeMarket

NO_DEAL, INDEPENDENT, DEAL = "calibrated-2025", "amazon-openai-50b-independent", "amazon-openai-50b"
STAKE, EXCLUSIVITY, ALL = (
    "amazon-openai-50b-stake",
    "amazon-openai-50b-exclusivity",
    "amazon-openai-50b-all-strings",
)
ARM_LABELS = {
    NO_DEAL: "no deal",
    INDEPENDENT: "same money, independent investor",
    STAKE: "+ AWS's stake",
    DEAL: "+ take-or-pay commitment (the deal as announced)",
    EXCLUSIVITY: "+ exclusivity",
    ALL: "+ discount and revenue share",
}
TERM_LABELS = {
    INDEPENDENT: "the money (independent $50B vs no deal)",
    STAKE: "AWS as investor, holding the stake",
    DEAL: "the take-or-pay commitment",
    EXCLUSIVITY: "exclusivity (24 quarters)",
    ALL: "discount and revenue share",
}
"""The term each arm adds to the arm before it in ``deal-decomposition``."""

OUTCOMES = [
    ("cloud HHI (AI compute revenue)", "cloud_hhi", "hhi"),
    ("AWS's share of AI compute revenue", "cloud_share[AWS]", "pp"),
    ("AWS's share of the whole cloud market", "cloud_market_share[AWS]", "pp"),
    ("model-market HHI", "model_hhi", "hhi"),
    ("OpenAI's share of labs' revenue", "model_share[OpenAI]", "pp"),
    ("OpenAI's locked-in share of its compute spend", "locked_share[OpenAI]", "pp"),
    ("round-trip ratio, all hyperscalers", "roundtrip_ratio", "ratio3"),
    ("labs active", "active_labs", "count"),
    ("probability that OpenAI has exited", "exited[OpenAI]", "pp"),
]
"""The headline outcomes, in the page's order: label, metric, unit of display."""

HORIZONS = (1, 2, 5, 10)
"""Years after the start (2025Q4) at which effects are reported."""

REASONS = {
    "lab.string_aversion": (
        "0 = labs indifferent to strings; at 0.3 an offer with the median commitment multiple "
        "(4.5x) and a 10% discount still scores above zero per dollar, so labs still sign the "
        "deals observed (about 3 a year); above that they would refuse most of them"
    ),
    "offers.exclusivity_incidence": (
        "1 relationship in about 7 carried exclusivity (0.15, a weak source: one case); from "
        "none to almost three times that"
    ),
    "deals.exclusivity_quarters": (
        "the one observed exclusive period lasted about 25 quarters; from 2 to 8 years"
    ),
    "hyperscaler.aggressiveness": (
        "scales every provider's disclosed strategic budget: counting upfront money only gives "
        "about half (0.5), plans announced for 2026 about twice (2)"
    ),
    "market.quality_weight": (
        "no source: how strongly users follow model quality; from half to twice the default 0.8"
    ),
    "capital.pool_ratio": (
        "no source: independent capital per quarter relative to end-user AI spending; from 0.1 "
        "to 0.6 around the default 0.25 (halving and more than doubling it)"
    ),
    "market.ai_revenue_growth": (
        "calibrated-2025 takes 150% a year at the start (OpenAI x3.5 and Anthropic x5 in 2025, "
        "slowing as they scale); from 100% to 200%"
    ),
}
"""Why each range of ``deal-robustness`` is plausible (the ranges themselves are in the spec)."""

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

MAX_OPPOSITE = 0.05
"""A claim holds over the plausible range if the mean over the range has the claim's sign (its
interval excluding 0) and at most this share of the points is significantly of the opposite sign
(chance alone gives 2.5% at the 5% level)."""


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


def _effect(row: pd.Series | dict, unit: str, treated: np.ndarray | None = None) -> str:
    """A paired effect: value, interval and n.s. when p > 0.05 (special cases spelled out).

    ``0``: no seed changed; ``(to exactly 0)``: the metric is zero in every run with the change;
    ``0, n.s.``: the effect and both ends of its interval round to zero.
    """
    suffix = " pp" if unit == "pp" else ""
    if row["sd"] == 0 and row["effect"] == 0:
        return "0"
    value, low, high = (_clean(_number(row[key], unit)) for key in ("effect", "low", "high"))
    if treated is not None and len(treated) and np.all(treated == 0):
        return f"{value}{suffix} (to exactly 0)"
    significant = row["p_value"] <= 0.05
    if not significant and all(not text.strip("+-0.,") for text in (value, low, high)):
        return "0, n.s."
    return f"{value}{suffix} ({low} to {high})" + ("" if significant else ", n.s.")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _share(flags: pd.Series) -> str:
    return f"{100 * flags.mean():.0f}%"


def _quarter(start: float, after: float) -> str:
    quarters = round(4 * (start + after))
    return f"{quarters // 4}Q{quarters % 4 + 1}"


def _year_label(sweep: SweepResults, after: float) -> str:
    return f"year {after:g} ({_quarter(sweep.start_year, after)})"


# ------------------------------------------------------------------------------------- inputs
class Inputs:
    """The sweeps the page reads, opened once; the direct runs' flows, computed once."""

    def __init__(self, results: Path, flow_seeds: int | None) -> None:
        self.results = results
        self.flow_seeds = flow_seeds
        self._sweeps: dict[str, SweepResults] = {}
        self._flows: pd.DataFrame | None = None

    def sweep(self, name: str) -> SweepResults:
        """The sweep ``name`` under the results folder."""
        if name not in self._sweeps:
            self._sweeps[name] = load(self.results / name)
        return self._sweeps[name]

    @property
    def decomposition(self) -> SweepResults:
        """The ``deal-decomposition`` sweep."""
        return self.sweep("deal-decomposition")

    @property
    def robustness(self) -> SweepResults:
        """The ``deal-robustness`` sweep."""
        return self.sweep("deal-robustness")

    def seeds(self) -> list[int]:
        """The decomposition sweep's seeds, replicate by replicate."""
        design = self.decomposition.design
        seeds = design.drop_duplicates("replicate").sort_values("replicate")["seed"].tolist()
        return seeds[: self.flow_seeds] if self.flow_seeds else seeds

    def flows(self) -> pd.DataFrame:
        """AWS's flows in every arm, over the first 2, 5 and 10 years, for the sweep's seeds."""
        if self._flows is None:
            arms = list(dict.fromkeys(self.decomposition.points["scenario"]))
            self._flows = run_flows(arms, self.seeds(), windows=(2, 5, 10))
        return self._flows


# -------------------------------------------------------------------------- section 1: effects
def _effects(sweep: SweepResults, reference: str, metrics: list[str], after: float) -> pd.DataFrame:
    return paired_effects(sweep, "scenario", reference, metrics, after=after).set_index(
        ["scenario", "metric"]
    )


def _treated(sweep: SweepResults, arm: str, metric: str, after: float) -> np.ndarray:
    table = sweep.at(after=after)
    return table.loc[table["scenario"] == arm, metric].to_numpy(dtype=float)


def effects_grid(
    sweep: SweepResults, reference: str, columns: list[tuple[str, float]], header: list[str]
) -> str:
    """Rows: outcomes; columns: (arm, years after the start) against ``reference``."""
    metrics = [metric for _, metric, _ in OUTCOMES]
    cache = {after: _effects(sweep, reference, metrics, after) for _, after in columns}
    rows = []
    for label, metric, unit in OUTCOMES:
        cells = [label]
        for arm, after in columns:
            treated = _treated(sweep, arm, metric, after)
            cells.append(_effect(cache[after].loc[(arm, metric)], unit, treated))
        rows.append(cells)
    return _table(["outcome", *header], rows)


def strings_table(inputs: Inputs) -> str:
    """The estimand: the deal as announced against the same money from an independent investor."""
    sweep = inputs.decomposition
    columns = [(DEAL, after) for after in HORIZONS]
    return effects_grid(
        sweep, INDEPENDENT, columns, [_year_label(sweep, after) for after in HORIZONS]
    )


def arms_versus_independent(inputs: Inputs, after: float) -> str:
    """Every arm against the independent arm at one horizon (each arm's strings together)."""
    sweep = inputs.decomposition
    arms = [NO_DEAL, STAKE, DEAL, EXCLUSIVITY, ALL]
    return effects_grid(
        sweep, INDEPENDENT, [(arm, after) for arm in arms], [ARM_LABELS[arm] for arm in arms]
    )


def versus_no_deal(inputs: Inputs) -> str:
    """The money alone and the deal as announced, against no deal, at years 2 and 10."""
    sweep = inputs.decomposition
    columns = [(arm, after) for arm in (INDEPENDENT, DEAL) for after in (2, 10)]
    header = [
        f"{'the money alone' if arm == INDEPENDENT else 'the deal'}, year {after}"
        for arm, after in columns
    ]
    return effects_grid(sweep, NO_DEAL, columns, header)


def terms_table(inputs: Inputs, after: float) -> str:
    """Each term: the arm against the arm before it, at one horizon."""
    sweep = inputs.decomposition
    arms = list(dict.fromkeys(sweep.points["scenario"]))
    metrics = [metric for _, metric, _ in OUTCOMES]
    effects = {
        arm: _effects(sweep, before, metrics, after).loc[arm]
        for before, arm in itertools.pairwise(arms)
    }
    rows = []
    for label, metric, unit in OUTCOMES:
        cells = [label]
        for arm in arms[1:]:
            cells.append(
                _effect(effects[arm].loc[metric], unit, _treated(sweep, arm, metric, after))
            )
        rows.append(cells)
    return _table(["outcome", *(TERM_LABELS.get(arm, arm) for arm in arms[1:])], rows)


# ---------------------------------------------------------------------- section 1: robustness
def _robust_effects(inputs: Inputs, after: float) -> pd.DataFrame:
    metrics = [metric for _, metric, _ in OUTCOMES]
    return paired_effects(
        inputs.robustness, "scenario", INDEPENDENT, metrics, after=after
    ).set_index("metric")


def robustness_table(inputs: Inputs) -> str:
    """The strings' effect over the plausible range: the mean over it, and where it is signed."""
    sweep = inputs.robustness
    cells_per_arm = int(sweep.points.shape[0] / sweep.points["scenario"].nunique())
    seeds = int(sweep.manifest["design"]["seeds"])
    rows = []
    effects = {after: _robust_effects(inputs, after) for after in HORIZONS}
    for label, metric, unit in OUTCOMES:
        cells = [label]
        for after in HORIZONS:
            row = effects[after].loc[metric]
            shares = (
                f"+ {100 * row['positive']:.0f}% / - {100 * row['negative']:.0f}% / "
                f"n.s. {100 * row['not_significant']:.0f}%"
            )
            cells.append(f"{_effect(row, unit)}; {shares}")
        rows.append(cells)
    header = ["outcome", *(f"year {after}" for after in HORIZONS)]
    note = (
        f"Mean over the plausible range ({cells_per_arm} parameter points x {seeds} paired seeds, "
        "95% interval); then the shares of the points where the effect is significantly "
        "positive / negative / neither (paired t-test over the point's seeds, 5%)."
    )
    return note + "\n\n" + _table(header, rows)


def verdict(decomposition: pd.Series, robust: pd.Series) -> str:
    """Whether an effect at the calibrated values survives the plausible range (see the page).

    ``holds over the plausible range``: significant at the calibrated values, the mean over the
    range significant with the same sign, significantly reversed at no more than
    :data:`MAX_OPPOSITE` of the points and confirmed at at least twice as many; ``holds on
    average ... reversed at X%``: the same, but reversed at more points (or confirmed at too
    few); ``does not survive the plausible range``: the mean over the range is not significant
    or has the other sign.
    """
    if not decomposition["p_value"] <= 0.05:
        return "not significant at the calibrated values"
    sign = np.sign(decomposition["effect"])
    same = np.sign(robust["effect"]) == sign and robust["p_value"] <= 0.05
    opposite = robust["negative"] if sign > 0 else robust["positive"]
    confirmed = robust["positive"] if sign > 0 else robust["negative"]
    if not same:
        return "does not survive the plausible range"
    if opposite <= MAX_OPPOSITE and confirmed >= 2 * opposite:
        return "holds over the plausible range"
    return (
        f"holds on average over the range, but is significantly reversed at "
        f"{100 * opposite:.0f}% of it (confirmed at {100 * confirmed:.0f}%)"
    )


def claims(inputs: Inputs) -> str:
    """One generated line per outcome and horizon: the strings' effect and whether it survives."""
    sweep = inputs.decomposition
    metrics = [metric for _, metric, _ in OUTCOMES]
    lines = []
    for after in HORIZONS:
        calibrated = _effects(sweep, INDEPENDENT, metrics, after)
        robust = _robust_effects(inputs, after)
        for label, metric, unit in OUTCOMES:
            row = calibrated.loc[(DEAL, metric)]
            spread = robust.loc[metric]
            if row["sd"] == 0 and row["effect"] == 0:
                if spread["sd"] == 0 and spread["effect"] == 0:
                    continue  # no run differs anywhere: nothing to claim
                lines.append(
                    f"- year {after}, {label}: no run differs at the calibrated values; over the "
                    f"plausible range {_effect(spread, unit)}, significantly positive at "
                    f"{100 * spread['positive']:.0f}% of points and negative at "
                    f"{100 * spread['negative']:.0f}%."
                )
                continue
            lines.append(
                f"- year {after}, {label}: {_effect(row, unit)} at the calibrated values; over "
                f"the plausible range {_effect(spread, unit)}, significantly of the same sign at "
                f"{100 * _same_share(row, spread):.0f}% of points and of the opposite sign at "
                f"{100 * _opposite_share(row, spread):.0f}%: **{verdict(row, spread)}**."
            )
    return "\n".join(lines)


def _same_share(row: pd.Series, spread: pd.Series) -> float:
    return spread["positive"] if row["effect"] > 0 else spread["negative"]


def _opposite_share(row: pd.Series, spread: pd.Series) -> float:
    return spread["negative"] if row["effect"] > 0 else spread["positive"]


def ranges_table(_inputs: Inputs) -> str:
    """The robustness experiment's parameters, calibrated values, ranges and reasons."""
    from computemarket.simulation.scenario import load_scenario

    spec = load_experiment("deal-robustness")
    base = load_scenario(INDEPENDENT)
    rows = []
    for factor in spec.factors:
        if not factor.is_range:
            continue
        section, name = factor.path.split(".")
        value = getattr(getattr(base, section), name)
        rows.append(
            [
                f"`{factor.path}`",
                f"{value:g}",
                f"{factor.low:g} to {factor.high:g}",
                REASONS.get(factor.path, "(no reason recorded in docs/findings.py)"),
            ]
        )
    note = (
        f"`deal-robustness`: Saltelli design, N = {spec.samples} ({spec.n_points // 2} points per "
        f"arm), both arms at every point, {spec.seeds} paired seeds, {spec.years} years."
    )
    header = ["parameter", "calibrated-2025", "plausible range", "why this range"]
    return note + "\n\n" + _table(header, rows)


def sobol_table(inputs: Inputs, after: float = 5) -> str:
    """Total-order Sobol' indices (with the half-width of their 95% interval) of each effect."""
    sweep = inputs.robustness
    rows, names = [], None
    for label, metric, _ in OUTCOMES:
        try:
            indices = sweep.sensitivity(metric, after=after, versus=("scenario", INDEPENDENT))
        except Exception as err:  # a constant effect has no indices; say so in the table
            rows.append([label, f"({str(err).split(': ', 1)[-1]})"])
            continue
        indices = indices.set_index("factor")
        names = list(indices.index)
        rows.append(
            [label]
            + [f"{indices.loc[f, 'ST']:.2f} ± {indices.loc[f, 'ST_conf']:.2f}" for f in names]
        )
    names = names or []
    width = 1 + len(names)
    rows = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    header = ["effect of the strings on", *(f"`{n.split('.')[-1]}`" for n in names)]
    return _table(header, rows)


def exits_table(inputs: Inputs) -> str:
    """Share of runs in which OpenAI has exited, by arm, at calibrated values and over the range."""
    decomposition, robust = inputs.decomposition, inputs.robustness
    rows = []
    for arm, label in ARM_LABELS.items():
        cells = [label]
        for after in (5, 10):
            at = decomposition.at(after=after)
            cells.append(_probability(at.loc[at["scenario"] == arm, "exited[OpenAI]"]))
        if arm in (INDEPENDENT, DEAL):
            at = robust.at(after=10)
            cells.append(_probability(at.loc[at["scenario"] == arm, "exited[OpenAI]"]))
        else:
            cells.append("-")
        rows.append(cells)
    header = [
        "arm",
        "by year 5, calibrated",
        "by year 10, calibrated",
        "by year 10, plausible range",
    ]
    return _table(header, rows)


def _probability(flags: pd.Series) -> str:
    hits, n = int(flags.sum()), int(flags.size)
    low, high = wilson_interval(hits, n)
    return f"{100 * hits / n:.0f}% ({100 * low:.0f}-{100 * high:.0f}%, {n} runs)"


# ------------------------------------------------------------------ section 1: the budget rule
def budget_rule_table(inputs: Inputs) -> str:
    """The strings' effect when the named deal counts against AWS's budget (as shipped) or not."""
    from scipy import stats

    from computemarket.results.decomposition import investor_flows
    from computemarket.simulation.runner import run

    seeds, afters = inputs.seeds(), (2, 5, 10)
    outcomes = [o for o in OUTCOMES if o[1] not in ("active_labs", "exited[OpenAI]")]
    rows = [[label] for label, _, _ in outcomes]
    flow_columns = {
        "own_deal_amount": "AWS's own deals signed over 5 years ($B)",
        "invested_in_lab": "AWS's money paid into OpenAI over 5 years ($B)",
    }
    flow_rows = [[label] for label in flow_columns.values()]
    for in_budget in (True, False):
        overrides = {"offers.named_agreements_in_budget": in_budget}
        ends: dict[str, list[pd.DataFrame]] = {INDEPENDENT: [], DEAL: []}
        flows: dict[str, list[dict]] = {INDEPENDENT: [], DEAL: []}
        for seed in seeds:
            for arm in (INDEPENDENT, DEAL):
                result = run(arm, overrides=overrides, years=10, seed=int(seed))
                ends[arm].append(result.metrics.set_index("quarter"))
                flows[arm].append(investor_flows(result, years=5))
        for row, (_, metric, unit) in zip(rows, outcomes, strict=True):
            for after in afters:
                a = np.array([m.loc[4 * after, metric] for m in ends[INDEPENDENT]], dtype=float)
                b = np.array([m.loc[4 * after, metric] for m in ends[DEAL]], dtype=float)
                effect, sd, low, high = mean_interval(b - a)
                p = float(stats.ttest_rel(b, a).pvalue) if np.std(b - a) > 0 else np.nan
                cell = {"effect": effect, "sd": sd, "low": low, "high": high, "p_value": p}
                row.append(_effect(cell, unit))
        for row, column in zip(flow_rows, flow_columns, strict=True):
            for arm in (INDEPENDENT, DEAL):
                row.append(f"{np.mean([f[column] for f in flows[arm]]):,.0f}")
    where = {True: "in the budget", False: "outside the budget"}
    header = ["strings' effect (deal - independent)"] + [
        f"{where[rule]}, year {after}" for rule in (True, False) for after in afters
    ]
    flow_header = ["mean over the same seeds"] + [
        f"{where[rule]}: {'independent' if arm == INDEPENDENT else 'deal'}"
        for rule in (True, False)
        for arm in (INDEPENDENT, DEAL)
    ]
    note = (
        "`offers.named_agreements_in_budget` true (as shipped: the named $50B counts against "
        "AWS's strategic budget) and false (it comes on top of it), on the same "
        f"{len(seeds)} seeds as the sweep."
    )
    return note + "\n\n" + _table(header, rows) + "\n\n" + _table(flow_header, flow_rows)


# --------------------------------------------------------------------- section 1: the channel
def flows_block(inputs: Inputs, years: int) -> str:
    """AWS's flows over the first ``years`` years in every arm, and the strings' and money's effects."""
    flows = inputs.flows()
    flows = flows[flows["years"] == years]
    strings = flows_table(flows, INDEPENDENT).set_index(["scenario", "flow"])
    money = flows_table(flows, NO_DEAL).set_index(["scenario", "flow"])
    arms = list(dict.fromkeys(flows["scenario"]))
    rows = []
    for flow in flow_rows("AWS", "OpenAI", "Anthropic"):
        show = _flow_format(flow.unit)
        cells = [flow.label]
        cells += [show(strings.loc[(arm, flow.column), "mean"]) for arm in arms]
        for table, arm in ((strings, DEAL), (money, INDEPENDENT)):
            row = table.loc[(arm, flow.column)]
            cells.append(
                f"{show(row['effect'], True)} ({show(row['low'], True)} to {show(row['high'], True)})"
            )
        rows.append(cells)
    n = len(inputs.seeds())
    header = [
        f"over {years} years, mean of {n} seeds",
        *(ARM_LABELS.get(arm, arm) for arm in arms),
        "strings: deal - independent",
        "money: independent - no deal",
    ]
    return _table(header, rows)


def _flow_format(unit: str) -> Callable[..., str]:
    def show(value: float, signed: bool = False) -> str:
        sign = "+" if signed else ""
        if not np.isfinite(value):
            return "-"
        if unit == "$B":
            return _clean(f"{value:{sign},.0f}")
        if unit == "share":
            return _clean(f"{100 * value:{sign}.1f}") + "%"
        return _clean(f"{value:{sign},.1f}")

    return show


# ------------------------------------------------------------------------------ section 2: rules
def regimes_table(inputs: Inputs) -> str:
    """Every rules preset against ``laissez-faire`` at year 20, and the reference's levels."""
    sweep = inputs.sweep("regimes")
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
            at = sweep.at(after=20)
            treated = at.loc[at["rules"] == preset, metric].to_numpy(dtype=float)
            cells.append(_effect(row, unit, treated))
        rows.append(cells)
    header = ["preset", *(label for label, _, _ in REGIME_COLUMNS)]
    return means + "\n\n" + _table(header, rows)


# ----------------------------------------------------------------------- section 3: the shock
def demand_shock_table(inputs: Inputs) -> str:
    """Lab exits over twelve years (mean, 95% CI) and mean $B written off, per shock and multiple."""
    sweep = inputs.sweep("demand-shock")
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
    model = ComputeMarket(market_scenario=NO_DEAL, years=10, rng=seed)
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


def scale_table(inputs: Inputs) -> str:
    """The calibrated path's scale at 2035Q4 and OpenAI's GW in 2030Q4 and 2033Q4."""
    quarters = {20: "2030Q4", 32: "2033Q4"}
    seeds = inputs.seeds()[:20]
    runs = pd.DataFrame([scale_run(seed, tuple(quarters)) for seed in seeds])

    def interval(values: pd.Series, show: Callable[[float], str]) -> str:
        mean, _, low, high = mean_interval(values.to_numpy())
        return f"{show(mean)} ({show(low)} to {show(high)})"

    def trillions(value: float) -> str:
        return f"${value / 1000:.2f}T"

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
                f"OpenAI's compute served in {label} (eGW), runs where it is active",
                f"{interval(active, lambda v: f'{v:.0f} eGW')}, {len(active)} of {len(gw)} runs",
            ]
        )
    return _table([f"`calibrated-2025`, {len(seeds)} seeds", "mean (95% CI)"], rows)


# ----------------------------------------------------------------------------------- provenance
def provenance(inputs: Inputs) -> str:
    """Which sweeps, commits and seeds the page's numbers come from."""
    rows = []
    for name in ("deal-decomposition", "deal-robustness", "regimes", "demand-shock"):
        sweep = inputs.sweep(name)
        design = sweep.manifest["design"]
        commit = str(sweep.manifest.get("versions", {}).get("git", "?"))[:12]
        rows.append(
            [
                f"`{name}`",
                f"{design['points']} x {design['seeds']} = {design['runs']}",
                f"{sweep.years}",
                f"`{commit}`",
                str(sweep.manifest.get("created", "?"))[:10],
            ]
        )
    header = ["sweep", "points x seeds = runs", "years", "code (git)", "made"]
    return _table(header, rows)


BLOCKS: dict[str, Callable[[Inputs], str]] = {
    "provenance": provenance,
    "strings": strings_table,
    "robustness": robustness_table,
    "claims": claims,
    "arms-year-2": lambda inputs: arms_versus_independent(inputs, 2),
    "arms-year-10": lambda inputs: arms_versus_independent(inputs, 10),
    "versus-no-deal": versus_no_deal,
    "terms-year-2": lambda inputs: terms_table(inputs, 2),
    "terms-year-10": lambda inputs: terms_table(inputs, 10),
    "budget-rule": budget_rule_table,
    "flows-2": lambda inputs: flows_block(inputs, 2),
    "flows-5": lambda inputs: flows_block(inputs, 5),
    "flows-10": lambda inputs: flows_block(inputs, 10),
    "exits": exits_table,
    "ranges": ranges_table,
    "sobol-year-5": lambda inputs: sobol_table(inputs, 5),
    "regimes": regimes_table,
    "demand-shock": demand_shock_table,
    "scale": scale_table,
}
"""Every generated block of the page, by the name its markers carry."""

_BLOCK = re.compile(
    r"(<!-- findings\.py: (?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- end (?P=name) -->)",
    re.DOTALL,
)


def block_names(page: str) -> list[str]:
    """The names of the generated blocks in a page, in order."""
    return [match["name"] for match in _BLOCK.finditer(page)]


def fill_blocks(page: str, blocks: dict[str, str]) -> str:
    """The page with each block's body replaced by its new text.

    Raises:
        KeyError: If the page has a block this script does not make.
    """
    unknown = [name for name in block_names(page) if name not in blocks]
    if unknown:
        raise KeyError(f"the page has blocks findings.py does not make: {', '.join(unknown)}")
    return _BLOCK.sub(lambda m: m.group(1) + blocks[m["name"]].rstrip() + "\n" + m.group(4), page)


def decomposition_figure(inputs: Inputs, path: Path) -> None:
    """The decomposition figure of the page: each term at 1, 2, 5 and 10 years."""
    from computemarket.results.figures_effects import decomposition_figure as draw

    figure = draw(inputs.decomposition)
    figure.savefig(path, dpi=110, metadata={"Software": None})


def main() -> int:
    """Print the page's blocks, or write them into the page (and draw its figure)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results", help="folder of the sweeps' folders")
    parser.add_argument("--write", metavar="PAGE", help="replace the blocks in this page")
    parser.add_argument("--figure", metavar="PNG", help="also draw the decomposition figure here")
    parser.add_argument("--block", action="append", help="only these blocks (repeatable)")
    parser.add_argument(
        "--flow-seeds", type=int, help="seeds of the direct runs (default: all the sweep's)"
    )
    args = parser.parse_args()
    inputs = Inputs(Path(args.results), args.flow_seeds)
    names = args.block or list(BLOCKS)
    blocks = {}
    for name in names:
        print(f"findings.py: {name}", file=sys.stderr, flush=True)
        blocks[name] = BLOCKS[name](inputs)
    if args.figure:
        decomposition_figure(inputs, Path(args.figure))
        print(f"wrote {args.figure}", file=sys.stderr)
    if args.write:
        page = Path(args.write)
        text = page.read_text(encoding="utf-8")
        current = {m["name"]: m["body"] for m in _BLOCK.finditer(text)}
        page.write_text(fill_blocks(text, current | blocks), encoding="utf-8")
        print(f"wrote {page} ({len(blocks)} blocks)", file=sys.stderr)
    else:
        for name, body in blocks.items():
            print(f"<!-- findings.py: {name} -->\n{body}\n<!-- end {name} -->\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
