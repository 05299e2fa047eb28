"""The shipped deal-decomposition and deal-robustness experiments, run small on the real model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from computemarket.cli import main
from computemarket.experiments import load_experiment
from computemarket.experiments.design import build_design
from computemarket.experiments.spec import parse_experiment
from computemarket.results import load

ARMS = [
    "calibrated-2025",
    "amazon-openai-50b-independent",
    "amazon-openai-50b-stake",
    "amazon-openai-50b",
    "amazon-openai-50b-exclusivity",
    "amazon-openai-50b-all-strings",
]
HEADLINE = [
    "cloud_hhi",
    "cloud_share[AWS]",
    "cloud_market_share[AWS]",
    "model_hhi",
    "model_share[OpenAI]",
    "locked_share[OpenAI]",
    "roundtrip_ratio",
    "active_labs",
    "exited[OpenAI]",
]


def test_the_decomposition_is_six_arms_over_ten_years_with_paired_seeds():
    spec = load_experiment("deal-decomposition")
    (factor,) = spec.factors
    assert factor.path == "scenario" and list(factor.values) == ARMS
    assert (spec.years, spec.seeds, spec.common_seeds) == (10, 40, True)
    assert set(HEADLINE) <= set(spec.metrics)
    design = build_design(spec).table
    # Replicate r has one seed in every arm, and different replicates have different seeds.
    seeds = design.pivot(index="replicate", columns="scenario", values="seed")
    assert seeds.shape == (40, 6) and (seeds.nunique(axis=1) == 1).all()
    assert seeds.iloc[:, 0].nunique() == 40
    # --seeds adds replicates without moving the existing ones' seeds.
    more = build_design(spec.replace(seeds=50)).table
    assert (
        more[more["replicate"] < 40]
        .set_index(["scenario", "replicate"])["seed"]
        .equals(design.set_index(["scenario", "replicate"])["seed"])
    )


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """deal-decomposition with 2 seeds over 1 year, run in two goes (--limit, then --resume)."""
    out = tmp_path_factory.mktemp("decomposition") / "deal-decomposition"
    first = ["sweep", "deal-decomposition", "--out", str(out), "--workers", "1", "--no-progress"]
    assert main([*first, "--seeds", "2", "--years", "1", "--limit", "5"]) == 0
    assert main([*first, "--resume"]) == 0  # repeats the recorded --seeds and --years
    return out


def test_a_small_decomposition_sweep_pairs_the_arms_by_seed(small_sweep):
    sweep = load(small_sweep)
    assert sweep.years == 1 and len(sweep.design) == 12
    assert (sweep.design["status"] == "ok").all()
    runs = sweep.metrics  # the factor columns come with each run's rows
    # One seed per replicate in every arm ...
    assert (runs.groupby("replicate")["seed"].nunique() == 1).all()
    # ... so every arm starts from the same state: the agreements sign in 2026Q1, after quarter 0.
    start = runs[runs["quarter"] == 0].set_index(["replicate", "scenario"])[HEADLINE]
    for replicate in (0, 1):
        assert (start.loc[replicate].nunique() == 1).all()
    # A year in, the deal and the same money without strings have parted.
    year = runs[runs["quarter"] == 4].set_index(["replicate", "scenario"])
    deal = year.xs("amazon-openai-50b", level="scenario")["cloud_share[AWS]"]
    independent = year.xs("amazon-openai-50b-independent", level="scenario")["cloud_share[AWS]"]
    assert not np.allclose(deal, independent)


def test_summarize_reports_every_arm_against_two_references_at_several_times(small_sweep, capsys):
    command = ["summarize", str(small_sweep), "--after", "0", "1", "--metric", *HEADLINE[:3]]
    versus = [
        "--versus",
        "scenario=amazon-openai-50b-independent",
        "--versus",
        "scenario=calibrated-2025",
    ]
    assert main([*command, *versus]) == 0
    out = capsys.readouterr().out
    assert "after 0" in out and "after 1" in out and "* p <= 0.05" in out
    effects = pd.read_csv(small_sweep / "summary-effects.csv")
    assert set(effects["versus"]) == {
        "scenario=amazon-openai-50b-independent",
        "scenario=calibrated-2025",
    }
    assert set(effects["after"]) == {0.0, 1.0} and (effects["n"] == 2).all()
    # 2 references x 5 other arms x 3 metrics x 2 times
    assert len(effects) == 60
    # The effect is the mean paired difference of the runs at that time.
    sweep = load(small_sweep)
    at = sweep.at(after=1).set_index(["scenario", "replicate"])["cloud_share[AWS]"]
    expected = (at["amazon-openai-50b"] - at["amazon-openai-50b-independent"]).mean()
    row = effects[
        (effects["versus"] == "scenario=amazon-openai-50b-independent")
        & (effects["scenario"] == "amazon-openai-50b")
        & (effects["metric"] == "cloud_share[AWS]")
        & (effects["after"] == 1.0)
    ]
    assert row["effect"].item() == pytest.approx(expected, rel=1e-6)
    summary = pd.read_csv(small_sweep / "summary.csv")
    assert set(summary["after"]) == {0.0, 1.0} and len(summary) == 2 * 6 * 3


def test_the_decomposition_figure_is_written(small_sweep, capsys):
    assert main(["plot", str(small_sweep), "--kind", "decomposition", "--dpi", "40"]) == 0
    assert (small_sweep / "figures" / "decomposition.png").stat().st_size > 5_000
    versus = ["--versus", "scenario=amazon-openai-50b-independent", "--format", "svg"]
    assert main(["plot", str(small_sweep), "--kind", "decomposition", *versus]) == 0
    svg = small_sweep / "figures" / "decomposition-versus-amazon-openai-50b-independent.svg"
    assert svg.read_text(encoding="utf-8").count("<svg") == 1


def test_the_robustness_experiment_is_a_paired_saltelli_design_that_runs_small(tmp_path, capsys):
    spec = load_experiment("deal-robustness")
    assert "robust" in spec.name and spec.sampler == "saltelli"
    listed = [f for f in spec.factors if not f.is_range]
    ranges = {f.path for f in spec.factors if f.is_range}
    assert [f.path for f in listed] == ["scenario"]
    assert list(listed[0].values) == ["amazon-openai-50b-independent", "amazon-openai-50b"]
    assert {
        "lab.string_aversion",
        "offers.exclusivity_incidence",
        "market.quality_weight",
        "capital.pool_ratio",
        "market.ai_revenue_growth",
        "hyperscaler.aggressiveness",
    } <= ranges
    design = build_design(spec)
    per_arm = design.n_points // 2
    assert per_arm >= 256 and spec.common_seeds
    # Both arms run the same parameter points in the same (SALib) order, with the same seeds.
    table = design.table
    independent = table[table["scenario"] == "amazon-openai-50b-independent"]
    deal = table[table["scenario"] == "amazon-openai-50b"]
    columns = [*sorted(ranges), "replicate", "seed"]
    assert independent[columns].reset_index(drop=True).equals(deal[columns].reset_index(drop=True))
    # A small version (N = 2: 18 points per arm, 2 seeds, 1 year) runs and is analysed.
    document = spec.to_document() | {"years": 1, "seeds": 2}
    document["design"] = {**document["design"], "samples": 2}
    small = parse_experiment(document, name="deal-robustness-small")
    path = tmp_path / "small.toml"
    path.write_text(_toml(document), encoding="utf-8")
    assert build_design(small).n_points == 2 * 18
    out = tmp_path / "small"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    versus = ["--versus", "scenario=amazon-openai-50b-independent"]
    assert (
        main(["summarize", str(out), "--after", "1", "--metric", "cloud_share[AWS]", *versus]) == 0
    )
    effects = pd.read_csv(out / "summary-effects.csv")
    (row,) = effects.to_dict("records")
    assert row["cells"] == 18 and row["n"] == 36
    assert row["positive"] + row["negative"] + row["not_significant"] == pytest.approx(1.0)
    command = ["sensitivity", str(out), "--metric", "cloud_share[AWS]", "--after", "1", *versus]
    assert main(command) == 0
    indices = pd.read_csv(
        out / "sensitivity-cloud_share[AWS]-versus-amazon-openai-50b-independent.csv"
    )
    assert set(indices["factor"]) == ranges and (indices["scenario"] == "amazon-openai-50b").all()
    capsys.readouterr()


def _toml(document: dict) -> str:
    """A TOML text of an experiment document (strings, numbers, lists and one level of tables)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    for section, table in document.items():
        if isinstance(table, dict):
            lines.append(f"[{section}]")
            lines += [f'"{k}" = {value(v)}' for k, v in table.items()]
    return "\n".join(lines) + "\n"
