"""Named firms and agreements: listed revenue, captive providers, deals in place and signed later."""

from dataclasses import replace

import numpy as np
import pytest

from computemarket.simulation import metrics as mx
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import (
    AgreementSpec,
    HyperscalerParams,
    HyperscalerSpec,
    LabParams,
    LabSpec,
    MarketParams,
    PopulationParams,
)
from computemarket.simulation.scenario import Scenario, ScenarioError, load_scenario


def market(agreements=(), rules=None, overrides=None, **market):
    scenario = Scenario(
        name="named",
        hyperscaler=HyperscalerParams(aggressiveness=0.0),  # only the named deals
        lab=LabParams(war_chest_quarters=0.0),  # no growth raises: only the named money
        market=MarketParams(
            ai_revenue=10.0, outside_share=0.2, fringe_cloud_revenue=market.get("fringe", 0.0)
        ),
        population=PopulationParams(hyperscalers=3, neoclouds=0, labs=3, in_house_labs=0),
        hyperscalers=(
            HyperscalerSpec(name="Big", capacity_gw=3.0),
            HyperscalerSpec(name="Small", capacity_gw=5.0),
            HyperscalerSpec(name="Social", capacity_gw=1.0, captive=True, non_ai_revenue=0.0),
        ),
        labs=(
            LabSpec(name="Frontier", revenue=4.0, cash=20.0, provider="Big"),
            LabSpec(name="Challenger", revenue=2.0, cash=10.0, provider="Small"),
            LabSpec(name="Social AI", revenue=1.0, cash=5.0, owner="Social"),
        ),
        agreements=tuple(agreements),
    )
    scenario = load_scenario(scenario, rules=rules, overrides=overrides)
    return ComputeMarket(market_scenario=scenario, years=10, rng=1)


def test_listed_revenue_sets_initial_shares():
    model = market()
    np.testing.assert_allclose(model.labs.share, [0.4, 0.2, 0.1])
    assert model.outside_share == pytest.approx(0.3)
    # Quality follows from the logit: share ratios equal exp(weight * quality differences).
    weight = model.params.market.quality_weight
    quality = np.log(model.labs.stock)
    assert np.exp(weight * (quality[0] - quality[1])) == pytest.approx(2.0)


def test_listed_revenue_cannot_exceed_the_market():
    scenario = Scenario(
        market=MarketParams(ai_revenue=1.0), labs=(LabSpec(name="Giant", revenue=1.5),)
    )
    with pytest.raises(ScenarioError, match=r"labs\[\]\.revenue"):
        load_scenario(scenario)


def test_captive_provider_serves_only_its_own_lab():
    model = market()
    for _ in range(4):
        model.step()
        served = model.labs.allocation
        assert served[:2, 2].sum() == 0.0  # Frontier and Challenger never run at Social
        assert served[2, 2] > 0


def test_deal_in_place_sets_stake_and_commitment_without_dilution():
    deal = AgreementSpec(
        investor="Big",
        lab="Frontier",
        stake=0.27,
        commitment=40.0,
        commitment_quarters=20,
        tranches=0,
    )
    model = market([deal])
    labs = model.labs
    assert labs.stake[0, 0] == pytest.approx(0.27)
    assert labs.commit_remaining[0, 0] == pytest.approx(40.0)
    assert labs.commit_start[0, 0] == 1 and labs.commit_end[0, 0] == 21
    model.step()
    # Take-or-pay: at least 40 / 20 = 2 $B at Big in the first quarter.
    assert labs.billed[0, 0] >= 2.0 - 1e-9
    assert labs.commit_remaining[0, 0] == pytest.approx(40.0 - labs.billed[0, 0])


def test_commitment_with_a_later_start_is_not_due_before_it():
    deal = AgreementSpec(
        investor="Small",
        lab="Frontier",
        commitment=50.0,
        commitment_start=4,
        commitment_quarters=10,
    )
    model = market([deal])
    for _ in range(4):
        model.step()
        assert model.labs.commit_remaining[0, 1] == pytest.approx(50.0)  # quarters 1-4: not yet due
    model.step()
    assert model.labs.billed[0, 1] >= 5.0 - 1e-9  # quarter 5: 50 / 10 due
    assert model.labs.commit_remaining[0, 1] < 50.0


def test_deal_signed_later_pays_upfront_then_tranches_and_is_circular():
    deal = AgreementSpec(
        investor="Big",
        lab="Challenger",
        quarter=2,
        amount=8.0,
        upfront=2.0,
        tranches=3,
        stake=0.1,
        commitment=20.0,
        commitment_quarters=8,
    )
    model = market([deal])
    model.step()
    assert model.providers.invested[0] == 0.0
    model.step()  # quarter 2: signed, 2 upfront
    assert model.providers.invested[0] == pytest.approx(2.0)
    assert model.labs.pending[1, 0] == pytest.approx(6.0)
    for _ in range(3):
        model.step()
    assert model.providers.invested[0] == pytest.approx(8.0)
    deals = model.tables()["deals"]
    signed = deals[(deals.investor == "Big") & (deals.lab == "Challenger")]
    assert len(signed) == 1 and signed.quarter.iloc[0] == 2 and signed.commitment.iloc[0] == 20.0
    assert model.providers.circular_revenue[0] > 0


@pytest.mark.parametrize(
    ("rules", "stake", "commitment"),
    [
        ("laissez-faire", 0.1, 20.0),
        ("no-tied-investment", 0.1, 0.0),
        ("structural-separation", 0.0, 20.0),
    ],
)
def test_rules_apply_to_deals_signed_after_the_start(rules, stake, commitment):
    deal = AgreementSpec(
        investor="Big",
        lab="Challenger",
        quarter=1,
        amount=8.0,
        upfront=8.0,
        stake=0.1,
        commitment=20.0,
    )
    model = market([deal], rules=rules)
    model.step()
    signed = model.tables()["deals"].iloc[-1]
    assert signed.stake == pytest.approx(stake) and signed.commitment == pytest.approx(commitment)


def test_a_cap_on_commitment_multiples_caps_named_deals_signed_later():
    # $8B with a $20B commitment (2.5x) under a 2x cap: $16B; a pure compute contract is not capped.
    deals = [
        AgreementSpec(
            investor="Big",
            lab="Challenger",
            quarter=1,
            amount=8.0,
            upfront=8.0,
            stake=0.1,
            commitment=20.0,
        ),
        AgreementSpec(investor="Small", lab="Frontier", quarter=1, commitment=30.0),
    ]
    model = market(deals, overrides={"rules.max_commitment_multiple": 2.0})
    model.step()
    signed = model.tables()["deals"].set_index("investor")
    assert signed.loc["Big"].commitment == pytest.approx(16.0)
    assert signed.loc["Small"].commitment == pytest.approx(30.0)


def test_deals_in_place_are_grandfathered_under_new_rules():
    deal = AgreementSpec(investor="Big", lab="Frontier", stake=0.27, commitment=40.0)
    model = market([deal], rules="structural-separation")
    assert model.labs.stake[0, 0] == pytest.approx(0.27)


def test_fringe_lowers_whole_market_hhi():
    assert mx.hhi_with_fringe([30, 30], 40) == pytest.approx(1800.0)
    assert mx.hhi_with_fringe([30, 30], 0) == pytest.approx(mx.hhi([30, 30]))
    assert mx.hhi_with_fringe([], 0.0) == 0.0
    with_fringe = market(fringe=100.0)
    model = market()
    first = with_fringe.datacollector.get_model_vars_dataframe()["cloud_market_hhi"].iloc[0]
    assert first < model.datacollector.get_model_vars_dataframe()["cloud_market_hhi"].iloc[0]
    agents = with_fringe.tables()["agents"]
    clouds = agents[agents.kind == "hyperscaler"]
    assert clouds.cloud_market_share.sum() < 1.0


def test_take_or_pay_is_not_charged_for_what_the_provider_could_not_deliver():
    deal = AgreementSpec(investor="Small", lab="Frontier", commitment=200.0, commitment_quarters=10)
    billed = []
    for capacity_left in (1.0, 0.01):
        model = market([deal])
        model.providers.arrivals[1] *= capacity_left
        model.step()
        billed.append(model.labs.billed[0, 1])
    # 20 $B are due: paid in full when Small can deliver, less what it failed to deliver otherwise.
    assert billed[0] == pytest.approx(20.0)
    assert 0.0 < billed[1] < 20.0 - 1.0


# ------------------------------------------------------------------- counterfactual agreements
def lab_inflows(model, kind):
    ledger = model.tables()["ledger"]
    rows = ledger[(ledger.payee == "Challenger") & (ledger.kind == kind)]
    return rows.groupby("quarter").amount.sum()


def test_independent_agreement_is_the_same_money_on_the_same_schedule_with_no_strings():
    terms = {"lab": "Challenger", "quarter": 2, "amount": 8.0, "upfront": 2.0, "tranches": 3}
    independent = market([AgreementSpec(investor="independent", stake=0.1, **terms)])
    strategic = market([AgreementSpec(investor="Big", stake=0.1, tied=False, **terms)])
    for model in (independent, strategic):
        for _ in range(7):
            model.step()
    money = lab_inflows(independent, "independent_investment")
    # 2 upfront in quarter 2, then 6 / 3 = 2 in each of quarters 3-5, nothing after.
    assert money.to_dict() == pytest.approx({2: 2.0, 3: 2.0, 4: 2.0, 5: 2.0})
    assert lab_inflows(strategic, "investment").to_dict() == pytest.approx(money.to_dict())
    labs = independent.labs
    # The stake goes to the independent investors (30% at the start, diluted by the 10%).
    assert labs.independent_stake[1] == pytest.approx(0.3 * 0.9 + 0.1)
    assert labs.independent_invested[1] == pytest.approx(8.0)
    assert labs.stake[1].sum() == 0.0 and independent.providers.invested.sum() == 0.0
    assert labs.commit_remaining[1].sum() == 0.0 and labs.tagged[1].sum() == 0.0
    metrics = independent.datacollector.get_model_vars_dataframe()
    assert metrics.independent_investment.iloc[2] >= 2.0
    row = independent.tables()["deals"].query("investor == 'independent'").iloc[0]
    assert (row.kind, row.origin, row.tranches, row.amount) == (
        "independent_investment",
        "named",
        3,
        8.0,
    )


def test_independent_agreement_carries_no_strings():
    for term, value in (("commitment", 10.0), ("exclusivity_quarters", 4), ("revenue_share", 0.1)):
        deal = AgreementSpec(investor="independent", lab="Frontier", **{term: value})
        with pytest.raises(ScenarioError, match=rf"agreements\[0\]\.{term}: .*carries no strings"):
            market([deal])


def test_independent_is_a_reserved_name_and_listed_as_an_investor():
    scenario = Scenario(hyperscalers=(HyperscalerSpec(name="independent"),))
    with pytest.raises(ScenarioError, match="reserved for independent capital"):
        load_scenario(scenario)
    with pytest.raises(
        ScenarioError, match=r"unknown hyperscaler 'Nobody' \(listed: .*independent"
    ):
        market([AgreementSpec(investor="Nobody", lab="Frontier")])


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ({"amount": 4.0, "upfront": 4.0, "stake": 0.1, "tied": False}, {"stake": 0.1}),
        ({"commitment": 12.0, "commitment_quarters": 6}, {"commit_remaining": 12.0}),
        ({"exclusivity_quarters": 5}, {"exclusive_end": 2 + 5 + 1}),
        ({"discount": 0.15}, {"discount": 0.15}),
        ({"revenue_share": 0.1, "commitment_quarters": 6}, {"revenue_share": 0.1}),
        ({"amount": 6.0, "upfront": 1.0, "tranches": 5, "tied": False}, {"pending": 5.0}),
    ],
)
def test_an_agreement_may_carry_any_single_term(terms, expected):
    model = market([AgreementSpec(investor="Small", lab="Challenger", quarter=2, **terms)])
    model.step()
    model.step()
    labs = model.labs
    names = ("stake", "commit_remaining", "exclusive_end", "discount", "revenue_share", "pending")
    for name in names:
        assert getattr(labs, name)[1, 1] == pytest.approx(expected.get(name, 0.0)), name


ARMS = (
    "amazon-openai-50b-independent",
    "amazon-openai-50b-stake",
    "amazon-openai-50b",
    "amazon-openai-50b-exclusivity",
    "amazon-openai-50b-all-strings",
)
"""The deal decomposition's arms after 'no deal' (calibrated-2025), each adding terms to the one before."""


def test_decomposition_arms_hold_the_money_fixed_and_add_one_group_of_terms_each():
    base = load_scenario("calibrated-2025").agreements
    deals = []
    for name in ARMS:
        scenario = load_scenario(name)
        assert scenario.agreements[: len(base)] == base  # calibrated-2025 plus one agreement
        (deal,) = scenario.agreements[len(base) :]
        assert (deal.lab, deal.quarter, deal.amount, deal.upfront, deal.tranches, deal.stake) == (
            "OpenAI",
            1,
            50.0,
            15.0,
            8,
            0.06,
        )
        deals.append(deal)
    independent, stake, commitment, exclusivity, everything = deals
    assert independent.investor == "independent" and {d.investor for d in deals[1:]} == {"AWS"}
    assert stake.commitment == 0.0 and not stake.tied
    assert (
        commitment.commitment == 100.0 and commitment.tied and commitment.exclusivity_quarters == 0
    )
    assert exclusivity == replace(commitment, exclusivity_quarters=24)
    assert everything == replace(exclusivity, discount=0.1, revenue_share=0.2)
