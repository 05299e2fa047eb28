"""EMA Workbench adapter: the model as an EMA Model, ranges from the schema, numbers as run() gives."""

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from computemarket import ema  # noqa: E402
from computemarket.simulation.runner import run  # noqa: E402
from computemarket.simulation.scenario import ScenarioError  # noqa: E402


def test_parameters_take_type_and_range_from_the_schema():
    real = ema.parameter("lab.string_aversion")
    assert isinstance(real, ema_workbench.RealParameter)
    assert (real.lower_bound, real.upper_bound) == (0.0, 10.0)
    assert real.name == "lab__string_aversion" and real.variable_name == ["lab.string_aversion"]
    narrow = ema.parameter(("market.quality_weight", 0.4, 1.6))
    assert (narrow.lower_bound, narrow.upper_bound) == (0.4, 1.6)
    assert isinstance(ema.parameter(("population.labs", 4, 8)), ema_workbench.IntegerParameter)
    assert isinstance(ema.parameter("rules.self_preferencing"), ema_workbench.BooleanParameter)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ema.parameter("lab.nosuch"), "unknown parameter"),
        (lambda: ema.parameter(("lab.string_aversion", 2.0, 1.0)), "must be increasing"),
        (lambda: ema.parameter(("lab.string_aversion", -1.0, 1.0)), r"within \[0, 10\]"),
        (lambda: ema.model("classroom", outcomes=["happiness"]), "unknown metric 'happiness'"),
        (lambda: ema.model("nosuch"), "unknown scenario"),
    ],
)
def test_bad_specifications_are_one_line_errors(call, message):
    with pytest.raises(ScenarioError, match=message):
        call()


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"over": "yearly"}, "over"), ({"seeds": 0}, "seeds")]
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ema.model("classroom", **kwargs)


def test_outcomes_are_the_runs_metrics():
    model = ema.model(
        "classroom",
        years=1,
        uncertainties=[("lab.string_aversion", 0.0, 0.5), ("rules.switching_cost", 0.0, 1.0)],
        outcomes=["cloud_hhi", "locked_share"],
    )
    with ema_workbench.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=3)
    for i, row in experiments.iterrows():
        overrides = {
            "lab.string_aversion": row["lab__string_aversion"],
            "rules.switching_cost": row["rules__switching_cost"],
        }
        metrics = run("classroom", overrides=overrides, years=1, seed=1).metrics
        assert outcomes["cloud_hhi"][i] == metrics["cloud_hhi"].iloc[-1]
        assert outcomes["locked_share"][i] == metrics["locked_share"].iloc[-1]


def test_replications_on_the_multiprocessing_evaluator():
    model = ema.model(
        "classroom",
        years=1,
        uncertainties=[("lab.string_aversion", 0.0, 0.5)],
        outcomes=["cloud_hhi"],
        seeds=2,
        over="quarterly",
    )
    with ema_workbench.MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=2)
    series = outcomes["cloud_hhi_by_quarter"]
    assert series.shape == (2, 2, 5)  # experiments x seeds x quarters
    aversion = experiments["lab__string_aversion"].iloc[0]
    expected = run("classroom", overrides={"lab.string_aversion": aversion}, years=1, seed=2)
    np.testing.assert_array_equal(series[0, 1], expected.metrics["cloud_hhi"].to_numpy())


def test_final_values_of_each_replication_on_the_multiprocessing_evaluator():
    # The documented example's shape: seeds > 1 with the final quarter's value.
    model = ema.model(
        "classroom",
        years=1,
        uncertainties=[("lab.string_aversion", 0.0, 0.5)],
        outcomes=["cloud_hhi"],
        seeds=2,
    )
    with ema_workbench.MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=2)
    finals = outcomes["cloud_hhi_by_seed"]
    assert finals.shape == (2, 2)  # experiments x seeds
    aversion = experiments["lab__string_aversion"].iloc[1]
    expected = run("classroom", overrides={"lab.string_aversion": aversion}, years=1, seed=1)
    assert finals[1, 0] == expected.metrics["cloud_hhi"].iloc[-1]
