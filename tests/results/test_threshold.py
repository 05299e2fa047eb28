"""``--threshold``: a metric or a per-firm metric (``exited[Mistral]``), past a finite value."""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from computemarket import cli
from computemarket.experiments import load_experiment, sweep
from computemarket.results.figures import Threshold
from computemarket.results.load import load
from computemarket.results.source import FigureError

FIRMS = """
description = "per-firm metrics of the calibrated scenario, for the threshold tests"
scenario = "calibrated-2025"
years = 1
seeds = 1
seed = 4
[factors]
"rules.switching_cost" = [0.0, 1.0]
[keep]
metrics = ["cloud_hhi", "cloud_share[Google Cloud]", "exited[Mistral]"]
every = "quarter"
"""


@pytest.mark.parametrize(
    ("text", "metric", "value", "below"),
    [
        ("cloud_hhi>1800", "cloud_hhi", 1800.0, False),
        ("exited[Mistral]>0.5", "exited[Mistral]", 0.5, False),
        ("cloud_share[Google Cloud]<0.1", "cloud_share[Google Cloud]", 0.1, True),
        (" cloud_share[Google Cloud] > 1_000 ", "cloud_share[Google Cloud]", 1000.0, False),
    ],
)
def test_a_threshold_names_a_metric_or_a_firm_s_metric(text, metric, value, below):
    assert Threshold.parse(text) == Threshold(metric, value, below)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cloud_hhi>1e999", "expected a finite VALUE"),
        ("cloud_hhi<-1e999", "expected a finite VALUE"),
        ("cloud_hhi>nan", "expected METRIC>VALUE"),
        ("cloud_share[]>0.1", "expected METRIC>VALUE"),
        ("cloud_share[a]b]>0.1", "expected METRIC>VALUE"),
        ("[AWS]>0.1", "expected METRIC>VALUE"),
    ],
)
def test_a_bad_threshold_is_refused(text, message):
    with pytest.raises(FigureError, match=message):
        Threshold.parse(text)


def test_summarize_computes_the_crossing_of_a_firm_s_metric(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "firms.toml"
    spec.write_text(textwrap.dedent(FIRMS), encoding="utf-8")
    with ThreadPoolExecutor(1) as pool:
        report = sweep(load_experiment(spec), tmp_path / "firms", executor=pool, progress=False)
    assert report.exit_code == 0
    monkeypatch.chdir(tmp_path)
    metric = "cloud_share[Google Cloud]"
    finals = load("firms").at(after=1)
    cut = float(finals[metric].median())
    code = cli.main(["summarize", "firms", "--threshold", f"{metric}>{cut!r}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"{metric} > {cut:g}" in out
    crossing = pd.read_csv(tmp_path / "firms" / "summary-crossing.csv")
    assert set(crossing["condition"]) == {f"{metric} > {cut:g}"}
    expected = (finals[metric] > cut).groupby(finals["point"]).mean()
    assert crossing.set_index("point")["p_at"].to_dict() == pytest.approx(expected.to_dict())
