"""`computemarket summarize DIR --versus FACTOR=VALUE` on a real small sweep."""

import pandas as pd
import pytest

from computemarket.cli import main

SPEC = """
description = "two presets, paired seeds"
scenario = "baseline"
years = 2
seeds = 3
seed = 7

[factors]
rules = ["laissez-faire", "no-tied-investment"]

[keep]
metrics = ["cloud_hhi", "roundtrip_ratio"]
every = "year"
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versus")
    spec = folder / "pair.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(out), "--no-progress"]) == 0
    return out


def test_versus_writes_paired_effects(sweep_dir, capsys):
    assert main(["summarize", str(sweep_dir), "--versus", "rules=laissez-faire"]) == 0
    assert "paired effects against rules=laissez-faire" in capsys.readouterr().out
    effects = pd.read_csv(sweep_dir / "summary-effects.csv")
    assert set(effects["metric"]) == {"cloud_hhi", "roundtrip_ratio"}
    assert (effects["rules"] == "no-tied-investment").all() and (effects["n"] == 3).all()
    roundtrip = effects.set_index("metric").loc["roundtrip_ratio"]
    # No tied investment: nothing is round-tripped, so the effect is minus the reference level.
    assert roundtrip["reference_mean"] > 0.5
    assert roundtrip["mean"] == 0.0
    assert roundtrip["high"] < 0 and roundtrip["p_value"] < 0.05
    assert roundtrip["effect"] == pytest.approx(-roundtrip["reference_mean"])


@pytest.mark.parametrize("versus", ["rules", "scenario=baseline", "rules=nothing"])
def test_bad_versus_is_one_line(sweep_dir, versus, capsys):
    assert main(["summarize", str(sweep_dir), "--versus", versus]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--versus" in err
