"""The store's files describe themselves: one type per column in runs and sweeps, text as categories,
a unit for every column, the run's id and seed, the factors with each task's rows."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from computemarket.experiments import load_experiment, sweep
from computemarket.experiments.design import resolve_point
from computemarket.results.load import load
from computemarket.results.run_folder import write_run
from computemarket.simulation.recording import (
    FIRM_METRIC_UNITS,
    METRIC_COLUMNS,
    METRIC_UNITS,
    firm_metric_columns,
)
from computemarket.simulation.runner import run
from computemarket.simulation.scenario import load_scenario
from computemarket.store.layout import MANIFEST, RUN_TABLES
from computemarket.store.schema import TEXT, UNITS_KEY, metric_unit, run_id, units_of
from computemarket.store.sweeps import TASK_METADATA_KEY
from computemarket.testing import sweep_synthetic

ROOT = Path(__file__).resolve().parents[2]

# The real model: an integer, a text and a boolean factor, every metric, two seeds.
REAL = """
description = "a small real sweep for the schema tests"
scenario = "classroom"
years = 1
seeds = 2
seed = 9
[factors]
"population.labs" = [6, 8]
rules = ["laissez-faire", "no-exclusivity"]
"rules.exclusivity" = [true]
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run of a scenario that lists its firms (so the metrics have per-firm columns)."""
    folder = tmp_path_factory.mktemp("schema") / "run"
    write_run(run("calibrated-2025", years=1, seed=4), folder)
    return folder


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("schema") / "sweep"
    spec = folder.with_suffix(".toml")
    spec.write_text(textwrap.dedent(REAL), encoding="utf-8")
    with ThreadPoolExecutor(2) as pool:  # the real model
        report = sweep(load_experiment(spec), folder, executor=pool, progress=False)
    assert report.exit_code == 0
    return folder


def _files(run_dir: Path, sweep_dir: Path) -> list[Path]:
    return [
        *(run_dir / f"{name}.parquet" for name in RUN_TABLES),
        sweep_dir / "design.parquet",
        *sorted((sweep_dir / "tasks").glob("*.parquet")),
    ]


def test_metric_units_are_defined_once_for_every_metric():
    assert list(METRIC_UNITS) == list(METRIC_COLUMNS)
    firms = firm_metric_columns(load_scenario("calibrated-2025"))
    assert firms and all(metric_unit(column) is not None for column in firms)
    assert {column.split("[")[0] for column in firms} == set(FIRM_METRIC_UNITS)
    assert metric_unit("cloud_share[AWS]") == "fraction"
    assert metric_unit("nosuch") is None and metric_unit("nosuch[AWS]") is None


def test_every_column_of_every_file_has_its_unit_in_the_file_and_the_manifest(run_dir, sweep_dir):
    run_manifest = json.loads((run_dir / MANIFEST).read_text())
    sweep_manifest = json.loads((sweep_dir / MANIFEST).read_text())
    for path in _files(run_dir, sweep_dir):
        schema = pq.read_schema(path)
        units = units_of(schema)
        assert list(units) == schema.names, path  # every column, in order
        assert json.loads(schema.metadata[UNITS_KEY]) == units, path
        if path.parent == run_dir:
            assert run_manifest["tables"][path.stem]["units"] == units
        else:
            assert {name: sweep_manifest["units"][name] for name in units} == units
    metrics = units_of(pq.read_schema(run_dir / "metrics.parquet"))
    assert metrics["cloud_hhi"] == "HHI points (0-10,000)" and metrics["capex"] == "$B per quarter"
    assert metrics["cloud_share[AWS]"] == "fraction"
    design = units_of(pq.read_schema(sweep_dir / "design.parquet"))
    assert design["population.labs"] == "firms" and design["rules"] == "-"
    agents = units_of(pq.read_schema(run_dir / "agents.parquet"))
    assert agents["price"] == "$B per eGW-quarter" and agents["capacity_gw"] == "GW"


def test_a_column_has_one_type_in_every_file_and_text_is_categorical(run_dir, sweep_dir):
    types: dict[str, set[pa.DataType]] = {}
    for path in _files(run_dir, sweep_dir):
        for field in pq.read_schema(path):
            types.setdefault(field.name, set()).add(field.type)
    several = {name: kinds for name, kinds in types.items() if len(kinds) > 1}
    assert several == {}
    (kind,) = types["kind"]  # agents, ledger and deals
    assert kind == TEXT == pa.dictionary(pa.int32(), pa.string())
    for name in ("run_id", "name", "owner", "payer", "payee", "origin", "rules"):
        assert types[name] == {TEXT}, name
    assert types["quarter"] == {pa.int32()} and types["seed"] == {pa.int64()}
    assert types["cloud_hhi"] == {pa.float64()} and types["active_labs"] == {pa.int32()}
    assert types["population.labs"] == {pa.int64()} and types["rules.exclusivity"] == {pa.bool_()}
    assert not any(
        pa.types.is_string(t) or pa.types.is_large_string(t) for t in set().union(*types.values())
    )
    # pandas reads text as categories, in the runs and the sweeps alike
    assert isinstance(load(sweep_dir).metrics["rules"].dtype, pd.CategoricalDtype)
    assert isinstance(
        pd.read_parquet(run_dir / "ledger.parquet")["payer"].dtype, pd.CategoricalDtype
    )


def test_a_run_table_names_its_run(run_dir):
    manifest = json.loads((run_dir / MANIFEST).read_text())
    identity = run_id(load_scenario("calibrated-2025"), 1, 4)
    assert manifest["run_id"] == identity and manifest["seed"] == 4
    for name in RUN_TABLES:
        table = pd.read_parquet(run_dir / f"{name}.parquet")
        assert list(table.columns[:2]) == ["run_id", "seed"], name
        assert set(table["run_id"]) <= {identity} and set(table["seed"]) <= {4}


def test_the_run_id_names_the_inputs_and_nothing_else():
    base = load_scenario("classroom")
    assert run_id(base, 5, 1) == run_id(load_scenario("classroom"), 5, 1)
    assert len(run_id(base, 5, 1)) == 16
    assert run_id(base, 5, 2) != run_id(base, 5, 1) != run_id(base, 6, 1)
    other = load_scenario("classroom", overrides=[("rules.switching_cost", 0.5)])
    assert run_id(other, 5, 1) != run_id(base, 5, 1)
    # the same values reached another way, under another name, are the same inputs
    same = load_scenario(
        "classroom", overrides=[("rules.switching_cost", base.rules.switching_cost)]
    )
    assert run_id(dataclasses.replace(same, name="copy"), 5, 1) == run_id(base, 5, 1)
    assert run_id(base, 5, None) != run_id(base, 5, None)  # no seed: not repeatable, unique


def test_a_sweep_run_is_bit_for_bit_the_run_of_its_inputs(sweep_dir, tmp_path):
    results = load(sweep_dir)
    row = results.design.iloc[5]
    spec = load_experiment(sweep_dir.with_suffix(".toml"))
    point = results.points.set_index("point").loc[row["point"]].to_dict()
    scenario = resolve_point(spec, point)
    alone = run(scenario, years=1, seed=int(row["seed"]))
    stored = pd.read_parquet(write_run(alone, tmp_path / "alone") / "metrics.parquet")
    in_sweep = results.metrics[results.metrics["row"] == row["row"]].reset_index(drop=True)
    assert (
        set(in_sweep["run_id"]) == set(stored["run_id"]) == {run_id(scenario, 1, int(row["seed"]))}
    )
    for column in METRIC_COLUMNS:  # float64 in the sweep too: the model's numbers, unrounded
        np.testing.assert_array_equal(in_sweep[column].to_numpy(), stored[column].to_numpy())


def test_each_task_file_carries_the_factors_of_its_runs(sweep_dir):
    design = pd.read_parquet(sweep_dir / "design.parquet").set_index("row")
    factors = ["population.labs", "rules", "rules.exclusivity"]
    for path in sorted((sweep_dir / "tasks").glob("*.parquet")):
        table = pd.read_parquet(path)
        assert list(table.columns[:8]) == ["run_id", "row", "point", "replicate", "seed", *factors]
        expected = design.loc[table["row"], factors].reset_index(drop=True)
        pd.testing.assert_frame_equal(table[factors], expected, check_categorical=False)
    assert len(list((sweep_dir / "tasks").glob("*.parquet"))) >= 1
    names = load(sweep_dir).metric_names  # the factors and ids are not metrics
    assert names[0] == "cloud_hhi" and not set(names) & {"run_id", "seed", *factors}


def test_float32_narrows_the_metrics_and_not_the_factors(write_spec_in, tmp_path):
    text = REAL.replace(
        "[factors]", '[keep]\nmetrics = ["cloud_hhi"]\ndtype = "float32"\n[factors]'
    )
    text = text.replace('"population.labs" = [6, 8]', '"deals.discount" = [0.05, 0.1]')
    spec = load_experiment(write_spec_in(tmp_path, text))
    sweep_synthetic(spec, tmp_path / "narrow", workers=1)
    (path,) = (tmp_path / "narrow" / "tasks").glob("*.parquet")
    schema = pq.read_schema(path)
    assert schema.field("cloud_hhi").type == pa.float32()
    assert schema.field("deals.discount").type == pa.float64()  # as in the design
    assert json.loads(schema.metadata[TASK_METADATA_KEY])["runs"] == 8  # 2 x 2 points x 2 seeds


@pytest.fixture
def write_spec_in():
    def write(folder: Path, text: str) -> Path:
        path = folder / "spec.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


# ------------------------------------------------------------------------- the docs' examples
def _doc_examples() -> list[str]:
    text = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    section = text.split("### Reading the files with DuckDB or polars", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_duckdb_and_polars_examples_of_the_docs_read_a_sweep(tmp_path, monkeypatch, capsys):
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    duckdb_example, polars_example = _doc_examples()
    spec = load_experiment("commitment-vs-switching").replace(seeds=2, years=10)
    folder = tmp_path / "results" / "commitment-vs-switching"
    sweep_synthetic(spec, folder)
    monkeypatch.chdir(tmp_path)
    expected = (
        load(folder).at(after=10).groupby("rules.switching_cost")["cloud_hhi"].agg(["mean", "size"])
    )

    found: dict = {}
    exec(compile(duckdb_example, "docs/experiments.md (DuckDB)", "exec"), found)
    table = found["hhi"].df()
    np.testing.assert_allclose(table["cloud_hhi"], expected["mean"], rtol=1e-12)
    assert table["runs"].tolist() == expected["size"].tolist() == [12] * 5
    assert np.allclose(table["switching_cost"], expected.index)
    assert '"rules.switching_cost": "fraction of moved spend"' in capsys.readouterr().out

    found = {}
    exec(compile(polars_example, "docs/experiments.md (polars)", "exec"), found)
    table = found["table"]
    np.testing.assert_allclose(table["cloud_hhi"].to_numpy(), expected["mean"], rtol=1e-12)
    assert table["runs"].to_list() == [12] * 5
    assert "HHI points (0-10,000) | fraction of moved spend" in capsys.readouterr().out
