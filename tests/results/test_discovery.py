"""Scenario discovery (PRIM) on sweeps whose answer is known: a factor that drives the metric, one that does not."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from computemarket import cli
from computemarket.results.discovery import discover
from computemarket.results.errors import ResultsError
from computemarket.results.load import load
from computemarket.testing import folder_snapshot, sweep_synthetic, synthetic_run

pytest.importorskip("ema_workbench")

ROOT = Path(__file__).resolve().parents[2]

# synthetic_run: cloud_hhi = 1500 + 20 x commitment_multiple per year + a random walk (sd 40 a
# quarter) - 60 x switching cost per year; it never reads deals.discount. After 10 years the HHI
# is above 3,000 where the multiple is above about 7.5 (1500 + 200 x 7.5), give or take the noise.
DRIVEN = """
description = "the commitment multiple drives the HHI, the discount does nothing"
years = 10
seeds = 2
seed = 3
[design]
sampler = "lhs"
samples = 64
[factors]
"deals.commitment_multiple" = { low = 0.0, high = 18.0 }
"deals.discount" = { low = 0.0, high = 0.3 }
[keep]
metrics = ["cloud_hhi", "locked_share"]
every = "year"
"""

PRESETS = """
description = "only the no-exclusivity preset is concentrated"
years = 2
seeds = 4
seed = 5
[factors]
"deals.discount" = [0.0, 0.1, 0.2]
rules = ["laissez-faire", "no-exclusivity", "eu-data-act"]
[keep]
metrics = ["cloud_hhi"]
every = "final"
"""


def by_preset(scenario, *, years, seed):
    """synthetic_run, 3,000 HHI points higher under the no-exclusivity preset."""
    metrics = synthetic_run(scenario, years=years, seed=seed)
    if scenario.rules_preset == "no-exclusivity":
        metrics["cloud_hhi"] += 3000.0
    return metrics


def _sweep(folder: Path, text: str, run_fn=synthetic_run) -> Path:
    spec = folder.with_suffix(".toml")
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    report = sweep_synthetic(spec, folder, run_fn=run_fn)
    assert report.exit_code == 0
    return folder


@pytest.fixture(scope="module")
def driven_dir(tmp_path_factory) -> Path:
    """64 LHS points x 2 seeds over 10 years of the synthetic model."""
    return _sweep(tmp_path_factory.mktemp("discover") / "driven", DRIVEN)


def test_the_box_bounds_the_factor_that_drives_the_metric_and_not_the_other(driven_dir):
    found = discover(load(driven_dir), "cloud_hhi", 3000, after=10)
    limits = found.limits.set_index("factor")
    assert list(limits.index) == ["deals.commitment_multiple"]  # the discount is left free
    low = limits.loc["deals.commitment_multiple", "low"]
    assert 5.5 < low < 9.5, low  # the drift crosses 3,000 at a multiple of 7.5
    assert limits.loc["deals.commitment_multiple", "unit"] == "x investment"
    assert limits.loc["deals.commitment_multiple", "quasi_p"] < 1e-6
    chosen = found.trajectory.set_index("box").loc[found.chosen]
    assert chosen["coverage"] > 0.9 and chosen["density"] > 0.85
    free = found.factors.set_index("factor").loc["deals.discount"]
    assert not free["restricted"] and free["box"] == free["full"]


def test_coverage_density_and_mass_are_those_of_the_box_on_the_runs(driven_dir):
    results = load(driven_dir)
    found = discover(results, "cloud_hhi", 3000, after=10)
    runs = results.at(after=10)
    hit = runs["cloud_hhi"] > 3000
    assert (found.runs, found.hits) == (len(runs), int(hit.sum()))
    first = found.trajectory.iloc[0]  # the box of every run
    assert (first["coverage"], first["mass"], first["restricted"]) == (1.0, 1.0, 0)
    assert first["density"] == pytest.approx(hit.mean())
    for box in (found.chosen, len(found.trajectory) - 1):
        picked = discover(results, "cloud_hhi", 3000, after=10, box=box)
        inside = np.ones(len(runs), dtype=bool)
        for row in picked.limits.itertuples():
            inside &= runs[row.factor].between(row.low, row.high).to_numpy()
        stats = picked.trajectory.set_index("box").loc[box]
        assert stats["runs"] == inside.sum()
        assert stats["mass"] == pytest.approx(inside.mean())
        assert stats["density"] == pytest.approx(hit[inside].mean())
        assert stats["coverage"] == pytest.approx(hit[inside].sum() / hit.sum())


def test_the_box_shown_balances_coverage_and_density(driven_dir):
    found = discover(load(driven_dir), "cloud_hhi", 3000, after=10)
    c, d = found.trajectory["coverage"], found.trajectory["density"]
    f1 = 2 * c * d / (c + d)
    assert found.chosen == int(f1.idxmax())
    assert found.chosen < len(found.trajectory) - 1 or f1.iloc[-1] == f1.max()


def test_below_is_the_complement(driven_dir):
    above = discover(load(driven_dir), "cloud_hhi", 3000, after=10)
    below = discover(load(driven_dir), "cloud_hhi", 3000, after=10, below=True)
    assert below.hits == below.runs - above.hits
    limits = below.limits.set_index("factor")
    assert list(limits.index) == ["deals.commitment_multiple"]
    assert 5.5 < limits.loc["deals.commitment_multiple", "high"] < 9.5


def test_a_categorical_factor_is_restricted_to_its_values_that_matter(tmp_path):
    results = load(_sweep(tmp_path / "presets", PRESETS, by_preset))
    found = discover(results, "cloud_hhi", 3500)
    assert found.limits["factor"].tolist() == ["rules"]
    assert found.limits["values"].tolist() == ["no-exclusivity"]
    chosen = found.trajectory.set_index("box").loc[found.chosen]
    assert (chosen["coverage"], chosen["density"]) == (1.0, 1.0)


def test_the_command_prints_the_boxes_and_draws_the_figure(driven_dir, capsys, png_pixels):
    code = cli.main(
        ["discover", str(driven_dir), "--metric", "cloud_hhi", "--above", "3000", "--after", "10"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "cloud_hhi > 3000 at 10 years in: 73 of 128 runs (57%)" in out
    assert "coverage" in out and "density" in out and "mass" in out
    assert "deals.commitment_multiple" in out.split("the limits of the factors")[1]
    assert "deals.discount" not in out.split("the limits of the factors")[1]
    figure = driven_dir / "figures" / "discover-cloud_hhi-above-3000.png"
    assert f"wrote {figure}" in out
    # docs/experiments.md shows this very output
    docs = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    shown = docs.split(
        "$ computemarket discover driven --metric cloud_hhi --above 3000 --after 10\n"
    )
    assert len(shown) == 2
    printed = [line.rstrip() for line in out.splitlines() if not line.startswith("wrote ")]
    while printed[-1] == "":
        printed.pop()
    assert shown[1].split("```")[0].splitlines() == printed
    pixels = png_pixels(figure.read_bytes())
    assert pixels.shape[1] > 1500  # a slide-wide figure
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 20


def test_without_ema_workbench_the_command_says_how_to_install_it(driven_dir, capsys, monkeypatch):
    for module in ("ema_workbench", "ema_workbench.analysis", "ema_workbench.analysis.prim"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed: imports fail
    before = folder_snapshot(driven_dir)
    code = cli.main(["discover", str(driven_dir), "--metric", "cloud_hhi", "--above", "3000"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.strip().splitlines() == [
        "computemarket: error: discover needs EMA Workbench, an optional extra: "
        "pip install 'computemarket[ema]'"
    ]
    assert folder_snapshot(driven_dir) == before


def test_a_box_off_the_trajectory_is_refused(driven_dir):
    with pytest.raises(ResultsError, match=r"--box 999: the peeling trajectory has boxes 0 to \d+"):
        discover(load(driven_dir), "cloud_hhi", 3000, box=999)


LABS = """
description = "the number of labs drives the HHI: an integer factor"
years = 1
seeds = 1
seed = 6
[design]
sampler = "lhs"
samples = 24
[factors]
"rules.switching_cost" = { low = 0.0, high = 1.0 }
"population.labs" = { low = 6, high = 20 }
[keep]
metrics = ["cloud_hhi"]
every = "final"
"""


def by_labs(scenario, *, years, seed):
    """synthetic_run, 500 HHI points higher per lab."""
    metrics = synthetic_run(scenario, years=years, seed=seed)
    metrics["cloud_hhi"] += 500.0 * scenario.population.labs
    return metrics


def test_an_integer_factor_is_bounded_between_whole_numbers(tmp_path):
    # EMA's PRIM pastes a limit halfway between two values (12.5 labs): an int64 column refused it.
    results = load(_sweep(tmp_path / "labs", LABS, by_labs))
    assert results.points["population.labs"].dtype.kind == "i"
    cut = float(results.finals["cloud_hhi"].median())
    found = discover(results, "cloud_hhi", cut)
    limits = found.limits.set_index("factor")
    assert "population.labs" in limits.index
    low = limits.loc["population.labs", "low"]
    hits = results.finals.loc[results.finals["cloud_hhi"] > cut, "population.labs"]
    assert low <= hits.min()
