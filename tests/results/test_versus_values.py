"""``--versus FACTOR=VALUE`` names a boolean factor's value as TOML spells it (``true``)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from computemarket import cli
from computemarket.results.effects import factor_value
from computemarket.results.load import load
from computemarket.testing import sweep_synthetic

BOOLEAN = """
description = "a boolean factor"
years = 1
seeds = 2
[factors]
"rules.exclusivity" = [true, false]
"rules.switching_cost" = [0.0, 1.0]
[keep]
metrics = ["cloud_hhi"]
"""


@pytest.fixture(scope="module")
def boolean_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boolean")
    spec = folder / "boolean.toml"
    spec.write_text(textwrap.dedent(BOOLEAN), encoding="utf-8")
    report = sweep_synthetic(spec, folder / "boolean")
    assert report.exit_code == 0
    return folder / "boolean"


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("false", False), ("True", True), ("FALSE", False), ("1", True), ("0", False)],
)
def test_a_boolean_value_is_named_as_in_toml_python_or_a_number(boolean_sweep, text, value):
    found = factor_value(load(boolean_sweep), "rules.exclusivity", text)
    assert isinstance(found, bool | np.bool_) and found == value


def test_a_number_factor_does_not_take_true(boolean_sweep):
    assert factor_value(load(boolean_sweep), "rules.switching_cost", "true") == "true"


def test_summarize_versus_a_boolean_written_as_in_toml(boolean_sweep, tmp_path, capsys):
    csv = tmp_path / "s.csv"
    code = cli.main(
        ["summarize", str(boolean_sweep), "--versus", "rules.exclusivity=true", "--csv", str(csv)]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    effects = pd.read_csv(tmp_path / "s-effects.csv")
    assert not effects.empty
    assert set(effects["rules.exclusivity"]) == {False}  # each treated arm against true


def test_a_boolean_value_that_is_neither_is_one_line(boolean_sweep, tmp_path, capsys):
    csv = tmp_path / "s.csv"
    code = cli.main(
        ["summarize", str(boolean_sweep), "--versus", "rules.exclusivity=yes", "--csv", str(csv)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--versus rules.exclusivity=yes: no such value" in err
    assert not csv.exists()
