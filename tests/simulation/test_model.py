"""ComputeMarket: Mesa conventions, determinism, and each mechanism with numbers."""

import mesa
import numpy as np
import pandas as pd
import pytest

from computemarket.agents.hyperscaler import Hyperscaler
from computemarket.agents.lab import AILab
from computemarket.agents.offers import Offer
from computemarket.simulation.deals import sign_deal
from computemarket.simulation.demand import lab_demand
from computemarket.simulation.distress import exit_lab, resolve_distress
from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.model import METRIC_COLUMNS, ComputeMarket
from computemarket.simulation.runner import run
from computemarket.simulation.supply import update_capacity

REQUIRED = [
    "quarter", "year", "cloud_hhi", "capacity_hhi", "cloud_market_hhi", "model_hhi", "cloud_cr1", "cloud_cr3",
    "model_cr1", "effective_clouds", "active_labs", "lab_entries", "lab_exits", "locked_share",
    "max_provider_share", "switching_rate", "switching_cost_ratio", "roundtrip_ratio",
    "circular_revenue_share", "utilization", "written_off", "ledger_imbalance",
]  # fmt: skip


# ------------------------------------------------------------------------------- Mesa conventions
def test_default_model_is_the_baseline_scenario():
    model = ComputeMarket()
    assert model.params.name == "baseline"
    assert len(model.hyperscaler_list) == 5
    assert len(model.lab_list) == 20
    assert model.running
    assert isinstance(model.datacollector, mesa.DataCollector)


def test_init_is_keyword_only():
    with pytest.raises(TypeError):
        ComputeMarket("classroom")  # type: ignore[misc]


def test_runs_the_horizon_then_stops():
    model = ComputeMarket(market_scenario="classroom", years=2, rng=3)
    model.run_model()
    assert model.quarter == 8 and model.steps == 8 and not model.running
    metrics = model.datacollector.get_model_vars_dataframe()
    assert len(metrics) == 9  # quarter 0 plus 8 quarters
    assert set(REQUIRED) <= set(metrics.columns)
    assert list(metrics.columns) == list(METRIC_COLUMNS)
    np.testing.assert_allclose(np.diff(metrics["year"]), 0.25)


@pytest.mark.parametrize("years", [0, 101, 2.5, True, "3"])
def test_bad_years(years):
    with pytest.raises(ValueError, match="years"):
        ComputeMarket(years=years)


def test_negative_seed():
    with pytest.raises(ValueError, match="seed"):
        ComputeMarket(rng=-1)


def test_runs_under_mesa_batch_run():
    results = mesa.batch_run(
        ComputeMarket,
        parameters={"market_scenario": "classroom", "years": 1},
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        display_progress=False,
    )
    assert len(results) == 2
    assert {row["Step"] for row in results} == {4}
    assert results[0]["cloud_hhi"] != results[1]["cloud_hhi"]


def test_same_seed_gives_identical_tables_and_other_seed_differs():
    first, second, other = (run("baseline", years=3, seed=s) for s in (11, 11, 12))
    for name in ("metrics", "agents", "ledger", "deals"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True)
    assert not first.metrics["cloud_hhi"].equals(other.metrics["cloud_hhi"])


def test_tables_have_the_documented_columns():
    result = run("classroom", years=1, seed=1)
    assert {
        "quarter",
        "agent_id",
        "name",
        "kind",
        "cash",
        "capacity_gw",
        "quality",
        "revenue",
        "share",
    } <= set(result.agents)
    assert list(result.ledger.columns) == ["quarter", "payer", "payee", "amount", "kind", "origin"]
    per_quarter = result.agents.groupby("quarter")["kind"].value_counts().unstack()
    assert (per_quarter["hyperscaler"] == 3).all()


# -------------------------------------------------------------------------------------- hyperscalers
def test_price_is_unit_cost_times_markup():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    hp = model.params.hyperscaler
    unit_cost = hp.capex_per_gw / (4 * hp.hardware_life_years) + hp.operating_cost_per_gw
    assert model.unit_cost == pytest.approx(35 / 24 + 0.3)
    np.testing.assert_allclose(model.providers.price, unit_cost * (1 + hp.initial_markup))


def test_capacity_arrives_after_the_lag_and_retires_after_its_life():
    model = ComputeMarket(
        market_scenario="classroom",
        years=10,
        rng=1,
        overrides={"hyperscaler.build_lag_quarters": 2},
    )
    p, life = model.providers, model.life_quarters
    p.arrivals[:] = 0.0
    p.arrivals[0, life + 3] = 2.0  # arrives in quarter 3
    compute = model.state.market.vintage_compute[life + 3]  # eGW per GW of that vintage
    for quarter, expected in [(2, 0.0), (3, 2.0), (3 + life - 1, 2.0), (3 + life, 0.0)]:
        model.state.market.quarter = quarter
        update_capacity(model.state)
        assert p.power_gw[0] == pytest.approx(expected), quarter
        assert p.capacity[0] == pytest.approx(expected * compute), quarter


def test_orders_go_to_the_build_lag_and_capex_is_spread():
    """With a 2-quarter build, flat hardware costs and no congestion premium a GW costs 35 $B,
    paid in two instalments of 17.5: the quarter-1 order arrives in quarter 3 and is due in
    quarters 1 and 2. Quarter 1 also owes the last instalment of the pipeline order arriving in
    quarter 2: (g^2 - g) GW with g = 1.8^(1/4), i.e. 0.183349 x 17.5 = 3.208601 $B."""
    flat = {
        "hyperscaler.build_lag_quarters": 2,
        "supply.flops_per_watt_growth": 0.0,
        "supply.flops_per_dollar_growth": 0.0,
        "supply.construction_inflation": 0.0,
        "supply.congestion_premium": 0.0,
    }
    model = ComputeMarket(market_scenario="classroom", years=5, rng=1, overrides=flat)
    p, life = model.providers, model.life_quarters
    model.step()
    assert model.quarter == 1
    gw = p.arrivals[:, life + 3]  # ordered in quarter 1, arrives in quarter 1 + 2
    assert (gw > 0).all()
    np.testing.assert_allclose(p.capex_due[:, life + 2], gw * 17.5, rtol=1e-12)
    np.testing.assert_allclose(p.capex_due[:, life + 1], gw * 17.5 + 3.208601, rtol=1e-6)
    np.testing.assert_allclose(p.capex_due[:, life + 3 :], 0.0)  # nothing due beyond the build


def test_markup_rises_with_utilization_above_target():
    from computemarket.agents.hyperscaler import update_markups

    model = ComputeMarket(market_scenario="classroom", rng=1)
    hp = model.params.hyperscaler
    new = update_markups(np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.6, 0.0]), hp)
    np.testing.assert_allclose(new, [0.5 + 0.5 * 0.2, 0.5 - 0.5 * 0.2, 0.0])  # floor at min_markup


def test_neocloud_fails_when_it_cannot_pay():
    model = ComputeMarket(years=2, rng=1)
    neo = next(h for h in model.hyperscaler_list if h.neocloud)
    model.ledger.book(neo.account, EXTERNAL, neo.cash + 1e6, "capex")
    model.providers.debt_ceiling[neo.index] = 0.0  # lenders lend it nothing more
    resolve_distress(model.state, model.hyperscaler_list, model.lab_list)
    assert not neo.alive
    assert model.providers.capacity[neo.index] == 0.0
    assert neo.cash == pytest.approx(0.0, abs=1e-6)
    assert model.counters["hyperscaler_failures"] == 1
    assert model.counters["written_off"] >= 1e6
    model.ledger.close_quarter()  # the books still balance


# -------------------------------------------------------------------------------------------- labs
def test_lab_shares_and_outside_option_sum_to_one():
    model = ComputeMarket(rng=5)
    for _ in range(6):
        model.step()
        labs = model.labs
        assert labs.share[labs.alive].sum() + model.outside_share == pytest.approx(1.0)


def test_initial_outside_share_matches_the_scenario():
    model = ComputeMarket(rng=2)
    assert model.outside_share == pytest.approx(model.params.market.outside_share)
    lab_demand(model.state)  # one more quarter at the initial qualities keeps it
    assert model.outside_share == pytest.approx(model.params.market.outside_share, rel=1e-9)


def test_quality_stock_depreciates_and_grows_with_training():
    """K <- (1 - 0.12) K + training eGW x algorithmic efficiency x productivity, for live labs:
    10 -> 8.8 + 2 x 1.5 x 1 = 11.8; 20 -> 17.6 + 4 x 1.5 x 0.5 = 20.6; no training: 5 -> 4.4;
    a lab that has exited keeps its stock (7)."""
    from computemarket.simulation.demand import grow_quality

    model = ComputeMarket(market_scenario="classroom", rng=1)
    labs = model.labs
    labs.stock[:] = [10.0, 20.0, 5.0, 7.0, 1.0, 1.0]
    labs.productivity[:] = [1.0, 0.5, 1.0, 1.0, 1.0, 1.0]
    labs.alive[3] = False
    model.state.market.compute_efficiency = 1.5
    grow_quality(model.state, np.array([2.0, 4.0, 0.0, 3.0, 0.0, 0.0]))
    np.testing.assert_allclose(labs.stock, [11.8, 20.6, 4.4, 7.0, 0.88, 0.88])


def test_revenue_is_lost_when_inference_is_not_served():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.providers.arrivals[:] = 0.0  # every provider loses all capacity
    model.step()
    assert model.labs.revenue.sum() == 0.0
    assert model.datacollector.get_model_vars_dataframe()["unmet_share"].iloc[-1] == pytest.approx(
        1.0
    )


# ------------------------------------------------------------------------------------------- deals
def sign(model, lab=0, investor=0, amount=4.0, multiple=3.0, exclusive=4):
    offer = Offer(
        investor=investor,
        amount=amount,
        stake=0.1,
        commitment_multiple=multiple,
        exclusivity_quarters=exclusive,
        discount=0.1,
        revenue_share=0.05,
    )
    sign_deal(model.state, lab, offer)
    return offer


def test_deal_pays_upfront_then_conditional_tranches():
    overrides = {
        "deals.upfront_share": 0.25,
        "deals.tranches": 3,
        "hyperscaler.aggressiveness": 0.0,
    }
    model = ComputeMarket(market_scenario="classroom", rng=1, overrides=overrides)
    lab = model.lab_list[0]
    before = lab.cash
    sign(model, lab=0, investor=1, amount=4.0)
    assert lab.cash - before == pytest.approx(1.0)
    labs = model.labs
    assert labs.pending[0, 1] == pytest.approx(3.0) and labs.tranche[0, 1] == pytest.approx(1.0)
    assert labs.commit_remaining[0, 1] == pytest.approx(12.0)
    assert labs.stake[0, 1] == pytest.approx(0.1)
    assert model.providers.invested[1] == pytest.approx(1.0)
    model.ledger.close_quarter()
    for _ in range(3):
        model.step()
    assert labs.pending[0, 1] == pytest.approx(0.0)
    assert model.providers.invested[1] == pytest.approx(4.0)


def test_tied_money_comes_back_as_circular_revenue():
    overrides = {"deals.tranches": 0, "hyperscaler.initial_capacity_gw": 50.0}
    model = ComputeMarket(market_scenario="classroom", rng=1, overrides=overrides)
    sign(model, lab=0, investor=2, amount=2.0, multiple=3.0, exclusive=8)
    model.ledger.close_quarter()
    model.step()
    ledger = model.tables()["ledger"]
    circular = ledger[(ledger.origin != "") & ledger.kind.isin(["compute_payment", "take_or_pay"])]
    returned = model.providers.circular_revenue[2]
    assert returned > 0
    assert circular.amount.sum() == pytest.approx(returned)
    # The lab spends at least the quarter's take-or-pay share of its commitment at the investor.
    assert model.labs.billed[0, 2] >= 6.0 / model.params.deals.commitment_quarters - 1e-9
    metrics = model.datacollector.get_model_vars_dataframe()
    assert metrics["roundtrip_ratio"].iloc[-1] == pytest.approx(
        returned / model.providers.invested.sum()
    )


def test_exclusivity_sends_all_demand_to_the_investor():
    model = ComputeMarket(
        market_scenario="classroom", rng=1, overrides={"hyperscaler.initial_capacity_gw": 50.0}
    )
    model.labs.contract_end[:] = -1
    model.labs.contract_provider[:] = -1
    sign(model, lab=0, investor=1, amount=1.0, multiple=0.0, exclusive=8)
    model.ledger.close_quarter()
    model.step()
    served = model.labs.allocation[0]
    assert served[1] == pytest.approx(served.sum())


def test_take_or_pay_charges_the_shortfall():
    # Ample capacity: take-or-pay charges what the lab did not take, not what the provider could not deliver.
    model = ComputeMarket(
        market_scenario="classroom", rng=1, overrides={"hyperscaler.initial_capacity_gw": 50.0}
    )
    sign(
        model, lab=0, investor=0, amount=10.0, multiple=10.0, exclusive=0
    )  # $100B over 28 quarters
    model.ledger.close_quarter()
    model.step()
    ledger = model.tables()["ledger"]
    lab, investor = model.lab_list[0].name, model.hyperscaler_list[0].name
    compute = ledger.kind.isin(["compute_payment", "take_or_pay"])
    paid = ledger[
        compute & (ledger.payer == lab) & (ledger.payee == investor) & (ledger.quarter == 1)
    ]
    # The lab needs far less than $100B / 28 quarters of compute: it pays the rest as take-or-pay.
    assert paid.amount.sum() == pytest.approx(100.0 / 28)
    assert paid[paid.kind == "take_or_pay"].amount.sum() > 0


# ------------------------------------------------------------------------------- distress & entry
def test_insolvent_lab_exits_with_write_offs_and_bad_debt():
    no_rescue = {
        "rules.acquisitions": False,
        "credit.lab_debt_to_revenue": 0.0,
        "credit.restructuring_writedown": 0.0,
    }
    model = ComputeMarket(market_scenario="classroom", rng=1, overrides=no_rescue)
    model.step()
    lab = model.lab_list[0]
    model.labs.stake[0, 1] = 0.2
    model.labs.invested_in[0, 1] = 3.0  # Cloud B put 3 $B into the lab
    billed = model.labs.billed[0].copy()
    provider_cash = model.ledger.cash[model.providers.account].copy()
    model.ledger.book(lab.account, EXTERNAL, lab.cash + 2.0, "lab_opex")  # two $B short
    resolve_distress(model.state, model.hyperscaler_list, model.lab_list)
    assert not lab.alive and lab.cash == pytest.approx(0.0, abs=1e-9)
    loss = provider_cash - model.ledger.cash[model.providers.account]
    np.testing.assert_allclose(loss, 2.0 * billed / billed.sum())
    # Written off: the 2 $B hole plus the capital invested (Cloud B's 3 $B and the independents').
    assert model.counters["written_off"] == pytest.approx(
        2.0 + 3.0 + model.labs.independent_invested[0]
    )
    assert model.providers.losses[1] == pytest.approx(3.0 + loss[1])
    assert model.counters["exits"] == 1
    labs = model.labs
    assert labs.share[labs.alive].sum() + model.outside_share == pytest.approx(1.0)
    assert lab not in model.agents
    model.ledger.close_quarter()
    model._record()
    last = model.tables()["agents"].query("name == @lab.name").iloc[-1]
    assert not last["alive"] and last["quarter"] == model.quarter  # its last row says it exited


def test_investor_sentiment_falls_with_the_size_of_the_failure():
    model = ComputeMarket(
        market_scenario="classroom", rng=1, overrides={"rules.acquisitions": False}
    )
    model.step()
    hit = model.params.capital.failure_sentiment_hit_per_share
    labs = model.labs
    small, large = np.argsort(np.where(labs.alive, labs.share, np.inf))[[0, -1]]
    small_share, large_share = float(labs.share[small]), float(labs.share[large])
    assert large_share > 2 * small_share
    model.state.market.sentiment = 1.0
    exit_lab(model.state, int(small))
    assert model.sentiment == pytest.approx(1.0 - hit * small_share)
    model.state.market.sentiment = 1.0
    large_share = float(labs.share[large])  # shares were renormalised by the first exit
    exit_lab(model.state, int(large))
    assert model.sentiment == pytest.approx(1.0 - hit * large_share)
    assert (
        1.0 - model.sentiment > 2 * hit * small_share
    )  # a big failure hurts more than a small one


def test_debt_never_grows_beyond_what_lenders_quote():
    """A provider borrows only up to the ceiling lenders quote it for the quarter."""
    model = ComputeMarket(market_scenario="calibrated-2025", years=6, rng=2)
    p = model.providers
    for _ in range(24):
        before = p.debt.copy()
        model.step()
        grown = p.alive & (p.debt > before + 1e-9)
        assert np.all(p.debt[grown] <= p.debt_ceiling[grown] * (1 + 1e-9) + 1e-9)
    assert (p.debt > 0).any()


def test_merger_control_blocks_a_concentrating_acquisition():
    overrides = {
        "lab.quality_dispersion": 0.0,
        "lab.productivity_dispersion": 0.0,
        "population.labs": 3,
        "hyperscaler.initial_cash": 2000.0,
        "credit.lab_debt_to_revenue": 0.0,  # no credit line to cover the hole
        "credit.restructuring_writedown": 0.0,
    }
    kwargs = {"market_scenario": "classroom", "rng": 1, "overrides": overrides}
    for control, acquired in [(False, True), (True, False)]:
        model = ComputeMarket(rules="merger-control" if control else "laissez-faire", **kwargs)
        model.step()
        lab = model.lab_list[0]
        model.ledger.book(lab.account, EXTERNAL, lab.cash + 0.1, "lab_opex")
        model.labs.owner[1] = (
            0  # the acquirer already owns another lab: 3 equal labs, post-merger HHI ~5,500
        )
        model.labs.stake[0, 0] = 0.1  # and holds a stake in the distressed one, so it is the buyer
        model.labs.stock[:] = (
            model.labs.stock.max()
        )  # the lab is worth buying (not below median quality)
        resolve_distress(model.state, model.hyperscaler_list, model.lab_list)
        assert bool(model.labs.owner[0] == 0) is acquired
        assert lab.alive is acquired
        model.ledger.close_quarter()


def test_entry_adds_seeded_labs():
    model = ComputeMarket(
        market_scenario="classroom", years=3, rng=4, overrides={"entry.rate": 5.0}
    )
    model.run_model()
    metrics = model.datacollector.get_model_vars_dataframe()
    entries = int(metrics["lab_entries"].sum())
    assert entries > 10
    ledger = model.ledger.to_frame([""] * model.ledger.cash.size)
    seed = ledger[ledger.kind == "seed_capital"]
    assert len(seed) == entries
    assert seed.amount.sum() == pytest.approx(entries * model.params.entry.seed_cash)


# ------------------------------------------------------------------------------------------- rules
def test_eu_data_act_bans_egress_fees_from_2027():
    model = ComputeMarket(rules="eu-data-act", years=3, rng=1)
    fees = []
    while model.running:
        model.step()
        fees.append((model.calendar_year, model.state.market.egress_fee))
    assert all(fee == model.params.rules.egress_fee for year, fee in fees if year < 2027.03)
    assert all(fee == 0.0 for year, fee in fees if year >= 2027.03)
    ledger = run("baseline", rules="eu-data-act", years=3, seed=1).ledger
    egress = ledger[ledger.kind == "egress_fee"].groupby(["quarter", "payer"], observed=True)
    switching = ledger[ledger.kind == "switching_cost"].groupby(["quarter", "payer"], observed=True)
    egress, switching = egress.amount.sum(), switching.amount.sum()
    # Until 2027Q1 (quarter 4) movers pay egress of 0.05 of the moved spend, a third of the 0.15
    # re-engineering; from 2027Q2 (quarter 5) they still move and pay re-engineering, no egress.
    assert set(egress.index.get_level_values("quarter")) == {1, 2, 3, 4}
    before = switching[switching.index.get_level_values("quarter") < 5]
    assert set(before.index) == set(egress.index)
    np.testing.assert_allclose(egress.reindex(before.index) / before, 1 / 3, rtol=1e-9)
    assert (switching.index.get_level_values("quarter") >= 5).sum() > 20


def test_structural_separation_has_no_equity_links():
    result = run("baseline", rules="structural-separation", years=5, seed=3)
    assert result.deals.empty
    assert (result.agents.owner == "").all()
    assert not result.ledger.kind.isin(["investment", "internal_funding", "acquisition"]).any()


def test_switching_cost_is_charged_on_moved_spend():
    """Re-engineering (0.5) and egress (0.05) are both shares of the same moved spend: each lab
    that moved pays the world 10 times what it pays the clouds it left, quarter by quarter."""
    result = run("baseline", years=3, seed=2, overrides={"rules.switching_cost": 0.5})
    ledger = result.ledger
    charges = ledger[ledger.kind == "switching_cost"]
    egress = ledger[ledger.kind == "egress_fee"]
    assert len(charges) > 20 and (charges.payee == "world").all()
    providers = set(result.agents.loc[result.agents.kind == "hyperscaler", "name"])
    assert set(egress.payee) <= providers
    per_lab = ["quarter", "payer"]
    switching = charges.groupby(per_lab, observed=True).amount.sum()
    fees = egress.groupby(per_lab, observed=True).amount.sum()
    assert set(switching.index) == set(fees.index)
    np.testing.assert_allclose(switching / fees.reindex(switching.index), 10.0, rtol=1e-9)


def test_runs_under_solaraviz_controls_step_and_reset():
    import ipyvuetify as v
    import solara
    from mesa.visualization.solara_viz import ModelController

    model = solara.reactive(ComputeMarket(market_scenario="classroom", years=5, rng=1))
    params = solara.reactive({"market_scenario": "classroom", "years": 5, "rng": 2})
    controller = ModelController(
        model,
        model_parameters=params,
        play_interval=solara.reactive(100),
        render_interval=solara.reactive(1),
        use_threads=solara.reactive(False),
    )
    _, rendered = solara.render(controller, handle_error=False)
    rendered.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.quarter == 1
    assert len(model.value.datacollector.get_model_vars_dataframe()) == 2
    rendered.find(v.Btn, children=["Reset"]).widget.click()
    # Reset rebuilds the model from the keyword parameters alone (SolaraViz's contract).
    assert model.value.quarter == 0
    assert model.value.params.name == "classroom" and len(model.value.hyperscaler_list) == 3


def test_a_metrics_only_run_has_the_same_metrics_and_keeps_no_rows():
    full = run("baseline", years=5, seed=3)
    lean = run("baseline", years=5, seed=3, tables=("metrics",))
    pd.testing.assert_frame_equal(full.metrics, lean.metrics)
    assert lean.agents is None and lean.ledger is None and lean.deals is None
    model = ComputeMarket(years=1, rng=1, tables=("metrics", "deals"))
    model.run_model()
    assert set(model.tables()) == {"metrics", "deals"} and not model.ledger._rows


@pytest.mark.parametrize("tables", [("agents",), "metrics", ("metrics", "nosuch")])
def test_tables_must_name_known_tables_and_keep_the_metrics(tables):
    with pytest.raises(ValueError, match="tables"):
        ComputeMarket(tables=tables)


# ------------------------------------------------------------------- Mesa's own tools, no glue
def test_batch_run_takes_dotted_parameters_and_names_columns_after_them():
    results = mesa.batch_run(
        ComputeMarket,
        parameters={
            "market_scenario": "classroom",
            "years": 1,
            "deals.commitment_multiple": [2.0, 6.0],
        },
        rng=[1],
        max_steps=4,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert sorted(frame["deals.commitment_multiple"]) == [2.0, 6.0]
    assert frame.groupby("deals.commitment_multiple")["cloud_hhi"].mean().size == 2


def test_a_parameter_given_twice_is_an_error():
    from computemarket.simulation.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"rules\.switching_cost: given both"):
        ComputeMarket(overrides={"rules.switching_cost": 0.1}, **{"rules.switching_cost": 0.2})


def test_agent_reporters_read_the_agents_state():
    model = ComputeMarket(market_scenario="classroom", years=1, rng=1)
    collector = mesa.DataCollector(
        agenttype_reporters={
            Hyperscaler: {"share": "share", "price": "price", "utilization": "utilization"},
            AILab: {"share": "share", "compute_spend": "compute_spend", "locked": "locked_share"},
        }
    )
    model.step()
    collector.collect(model)
    clouds = collector.get_agenttype_vars_dataframe(Hyperscaler)
    labs = collector.get_agenttype_vars_dataframe(AILab)
    assert clouds["share"].sum() == pytest.approx(1.0)
    assert labs["share"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(clouds["price"], model.providers.price)
    assert (labs["compute_spend"] > 0).all() and labs["locked"].between(0, 1).all()
    last = model.tables()["agents"].query("quarter == 1")
    np.testing.assert_allclose(
        clouds["share"].to_numpy(), last.loc[last.kind == "hyperscaler", "share"].to_numpy()
    )


def test_metrics_table_takes_new_columns_without_fragmentation_warnings():
    """The table comes consolidated: adding a few columns is not 'highly fragmented'."""
    import warnings

    import pandas as pd

    metrics = run("baseline", years=1, seed=1, tables=("metrics",)).metrics
    assert metrics._mgr.nblocks <= 4  # one block per dtype
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        for k in range(5):
            metrics[f"extra_{k}"] = 1.0
