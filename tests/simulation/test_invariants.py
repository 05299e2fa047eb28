"""Invariants over random scenarios and rules (Hypothesis): money, shares, HHI bounds, no NaN."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computemarket.simulation.runner import run
from computemarket.simulation.scenario import list_rule_presets

scenarios = st.fixed_dictionaries(
    {
        "scenario": st.sampled_from(["classroom", "baseline"]),
        "rules": st.sampled_from(sorted(list_rule_presets())),
        "years": st.integers(1, 4),
        "seed": st.integers(0, 2**32 - 1),
        "overrides": st.fixed_dictionaries(
            {
                "deals.commitment_multiple": st.floats(0.0, 20.0),
                "rules.switching_cost": st.floats(0.0, 2.0),
                "hyperscaler.aggressiveness": st.floats(0.0, 5.0),
                "market.ai_revenue_growth": st.floats(-0.5, 2.0),
                "market.demand_shock": st.booleans(),
                "market.demand_shock_year": st.floats(0.0, 3.0),
                "population.labs": st.integers(1, 25),
                "entry.rate": st.floats(0.0, 3.0),
                "capital.pool_ratio": st.floats(0.0, 2.0),
            }
        ),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_invariants_hold_in_random_markets(case):
    overrides = dict(case["overrides"])
    overrides["population.in_house_labs"] = 0 if overrides["population.labs"] < 3 else 2
    if case["scenario"] == "classroom":
        overrides["population.in_house_labs"] = 0
    result = run(
        case["scenario"],
        rules=case["rules"],
        years=case["years"],
        seed=case["seed"],
        overrides=overrides,
    )
    metrics, agents, ledger = result.metrics, result.agents, result.ledger

    # No NaN or infinity anywhere in the metrics (effective_clouds is inf only for an empty market).
    finite = metrics.drop(columns=["effective_clouds"])
    assert np.isfinite(finite.to_numpy(dtype=float)).all()
    assert len(metrics) == 4 * case["years"] + 1

    # The books balance every quarter, and each agent's cash is exactly what the ledger says.
    assert (metrics["ledger_imbalance"] <= 1e-6).all()
    inflow = ledger.groupby("payee", observed=True)["amount"].sum()
    outflow = ledger.groupby("payer", observed=True)["amount"].sum()
    final = agents[agents.quarter == agents.quarter.max()].set_index("name")["cash"]
    booked = inflow.reindex(final.index, fill_value=0.0) - outflow.reindex(
        final.index, fill_value=0.0
    )
    np.testing.assert_allclose(
        final.to_numpy(), booked.to_numpy(), atol=1e-6 * max(1.0, float(final.abs().max()))
    )

    # Shares sum to 1 per kind and quarter wherever there is revenue.
    with_revenue = agents[agents.revenue > 0]
    sums = with_revenue.groupby(["quarter", "kind"], observed=True)["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-9)

    # HHI within [10,000 / n, 10,000] for a market of n firms (0 for an empty one).
    n_clouds = result.scenario.population.hyperscalers
    for column, n in [("cloud_hhi", n_clouds), ("capacity_hhi", n_clouds)]:
        values = metrics[column]
        assert (
            (values == 0) | ((values >= 10_000 / n - 1e-6) & (values <= 10_000 + 1e-6))
        ).all(), column
    labs_alive = (
        agents[(agents.kind == "lab")]
        .groupby("quarter")
        .size()
        .reindex(metrics.quarter, fill_value=0)
    )
    model_hhi = metrics.set_index("quarter")["model_hhi"]
    ok = (model_hhi == 0) | (
        (model_hhi >= 10_000 / labs_alive.clip(lower=1) - 1e-6) & (model_hhi <= 10_000 + 1e-6)
    )
    assert ok.all()

    # Fractions are fractions; capacity adds up across providers.
    for column in [
        "locked_share",
        "contracted_share",
        "max_provider_share",
        "circular_revenue_share",
        "cloud_cr1",
        "cloud_cr3",
        "outside_share",
    ]:
        assert metrics[column].between(-1e-12, 1 + 1e-9).all(), column
    assert metrics["utilization"].between(0, 1 + 1e-9).all()
    capacity = agents[agents.kind == "hyperscaler"].groupby("quarter")["capacity_gw"].sum()
    np.testing.assert_allclose(
        capacity.to_numpy(), metrics["capacity_gw"].to_numpy(), rtol=1e-12, atol=1e-12
    )
    assert (agents.loc[agents.kind == "hyperscaler", "capacity_gw"] >= 0).all()


@pytest.mark.parametrize("rules", ["no-tied-investment", "structural-separation"])
def test_circularity_is_zero_without_tied_investment(rules):
    for seed in range(5):
        result = run("baseline", rules=rules, years=5, seed=seed)
        assert (result.metrics["roundtrip_ratio"] == 0).all()
        assert (result.metrics["circular_revenue_share"] == 0).all()
        assert (result.ledger["origin"] == "").all()
