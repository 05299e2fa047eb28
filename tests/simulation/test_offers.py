"""Endogenous offers as observed: incidence, size and terms drawn, budgets, bars, multi-sourcing."""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computemarket.agents.offers import (
    Offer,
    OfferTerms,
    exclusivity_barred,
    offer_eligibility,
    offer_terms,
)
from computemarket.simulation.deals import sign_deal
from computemarket.simulation.fundraising import fundraise, quarter_generator
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import (
    AgreementSpec,
    HyperscalerParams,
    HyperscalerSpec,
    LabSpec,
    MarketParams,
    OfferParams,
    PopulationParams,
)
from computemarket.simulation.runner import run
from computemarket.simulation.scenario import Scenario, load_scenario

DEFAULTS = Scenario()


def market(agreements=(), offers=None, hyperscaler=None, rules=None, providers=None, labs=None):
    """Three named clouds (one captive) and four named labs; no generated firms."""
    scenario = Scenario(
        name="offers",
        hyperscaler=hyperscaler or HyperscalerParams(),
        offers=offers or OfferParams(),
        market=MarketParams(ai_revenue=12.0, outside_share=0.2),
        population=PopulationParams(hyperscalers=3, neoclouds=0, labs=4, in_house_labs=0),
        hyperscalers=providers
        or (
            HyperscalerSpec(name="Big", capacity_gw=3.0, other_cash_flow=10.0),
            HyperscalerSpec(
                name="Small", capacity_gw=5.0, other_cash_flow=10.0, strategic_investment_share=0.2
            ),
            HyperscalerSpec(name="Social", capacity_gw=1.0, captive=True, non_ai_revenue=0.0),
        ),
        labs=labs
        or (
            LabSpec(name="Frontier", revenue=4.0, cash=20.0, provider="Big"),
            LabSpec(name="Challenger", revenue=2.0, cash=10.0, provider="Small"),
            LabSpec(name="Minnow", revenue=0.1, cash=1.0, provider="Small"),
            LabSpec(name="Social AI", revenue=1.0, cash=5.0, owner="Social"),
        ),
        agreements=tuple(agreements),
    )
    return ComputeMarket(market_scenario=load_scenario(scenario, rules=rules), years=10, rng=1)


# ------------------------------------------------------------------------------ drawn terms
def test_offer_terms_by_hand():
    # u = 0.5: size sqrt(0.01 * 0.15) = 0.0387 of the valuation, the median multiple 4.5;
    # strings u = 0.1 < 0.15: exclusivity 24 quarters and a 20% revenue share; tranches
    # 4 + int(0.99 * 5) = 8.
    terms = offer_terms(DEFAULTS, [0.5, 0.5, 0.1, 0.99])
    assert terms.size_share == pytest.approx(math.sqrt(0.01 * 0.15))
    assert terms.commitment_multiple == pytest.approx(4.5)
    assert terms.exclusivity_quarters == 24 and terms.revenue_share == 0.2
    assert terms.discount == 0.1 and terms.tranches == 8
    # u = 0: the smallest deal; the 90th percentile of the multiple, 4.5 exp(0.84 * 1.2816);
    # strings u = 0.15 is not below the incidence: none; the fewest tranches.
    terms = offer_terms(DEFAULTS, [0.0, 0.9, 0.15, 0.0])
    assert terms.size_share == pytest.approx(0.01)
    assert terms.commitment_multiple == pytest.approx(4.5 * math.exp(0.84 * 1.2815516), rel=1e-6)
    assert terms.exclusivity_quarters == 0 and terms.revenue_share == 0.0 and terms.tranches == 4
    # The far tail of the multiple is cut at the largest observed, 18.2x.
    assert offer_terms(DEFAULTS, [0.5, 0.9999, 0.5, 0.5]).commitment_multiple == 18.2


def test_incidences_of_exclusivity_and_revenue_share_are_nested():
    params = replace(
        DEFAULTS,
        offers=replace(DEFAULTS.offers, exclusivity_incidence=0.1, revenue_share_incidence=0.3),
    )
    assert offer_terms(params, [0.5, 0.5, 0.05, 0.5]).exclusivity_quarters == 24
    both = offer_terms(params, [0.5, 0.5, 0.05, 0.5])
    assert both.revenue_share == 0.2
    only_share = offer_terms(params, [0.5, 0.5, 0.2, 0.5])
    assert only_share.exclusivity_quarters == 0 and only_share.revenue_share == 0.2


def test_drawn_terms_follow_their_distributions():
    rng = np.random.default_rng(7)
    drawn = [offer_terms(DEFAULTS, u) for u in rng.random((20_000, 4))]
    sizes = np.array([t.size_share for t in drawn])
    multiples = np.array([t.commitment_multiple for t in drawn])
    exclusive = np.array([t.exclusivity_quarters > 0 for t in drawn])
    assert sizes.min() >= 0.01 and sizes.max() <= 0.15
    assert np.median(sizes) == pytest.approx(math.sqrt(0.01 * 0.15), rel=0.03)
    assert np.median(multiples) == pytest.approx(4.5, rel=0.03)
    assert np.std(np.log(multiples[multiples < 18.2])) == pytest.approx(0.84, rel=0.1)
    assert exclusive.mean() == pytest.approx(0.15, abs=0.01)
    assert {t.tranches for t in drawn} == {4, 5, 6, 7, 8}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=4, max_size=4))
def test_drawn_terms_stay_in_range(uniforms):
    terms = offer_terms(DEFAULTS, uniforms)
    assert 0.01 - 1e-12 <= terms.size_share <= 0.15 + 1e-12
    assert 0.0 < terms.commitment_multiple <= 18.2
    assert terms.exclusivity_quarters in (0, 24) and terms.revenue_share in (0.0, 0.2)
    assert (terms.exclusivity_quarters > 0) == (terms.revenue_share > 0)  # equal incidences
    assert 4 <= terms.tranches <= 8


# ------------------------------------------------------------------------------- who may offer
def test_first_deals_go_to_the_top_labs_follow_ons_to_partners():
    model = market()
    state = model.state
    eligible = offer_eligibility(state)
    # Four labs: the top third is ceil(4/3) = 2 labs, Frontier and Challenger (Social AI's owner
    # funds it, but it is ranked all the same); the captive cloud offers nothing.
    assert eligible[:, 2].sum() == 0
    top = state.labs.share.argsort()[::-1][:2]
    assert set(np.flatnonzero(eligible[:, 0])) == set(top)
    # A stake makes Minnow a partner of Small: a follow-on is allowed.
    state.labs.stake[2, 1] = 0.05
    assert offer_eligibility(state)[2, 1] and not offer_eligibility(state)[2, 0]
    # Exclusive to Small: nobody else may offer it anything.
    state.labs.exclusive_end[0, 1] = state.market.quarter + 4
    eligible = offer_eligibility(state)
    assert eligible[0, 1] and not eligible[0, 0]


def test_every_lab_is_eligible_when_the_top_share_is_one():
    model = market(offers=OfferParams(first_deal_top_share=1.0))
    assert offer_eligibility(model.state)[:, :2].all()


def terms(size=0.05, multiple=4.0, exclusive=24, share=0.2, tranches=6):
    return OfferTerms(
        size_share=size,
        commitment_multiple=multiple,
        exclusivity_quarters=exclusive,
        discount=0.1,
        revenue_share=share,
        tranches=tranches,
    )


def test_an_offer_is_the_drawn_share_of_the_valuation_within_budget_and_stake_cap():
    model = market()
    big = model.hyperscaler_list[0]
    offer = big.make_offer(0, budget=100.0, valuation=200.0, survival=1.0, terms=terms())
    assert offer.amount == pytest.approx(10.0)  # 5% of 200
    assert offer.stake == pytest.approx(10.0 / 210.0)
    assert offer.commitment_multiple == 4.0 and offer.exclusivity_quarters == 24
    assert offer.revenue_share == 0.2 and offer.tranches == 6
    assert big.make_offer(0, 3.0, 200.0, 1.0, terms()).amount == pytest.approx(3.0)
    # 49% cap: amount <= 0.49 / 0.51 * valuation.
    capped = big.make_offer(0, 1e3, 10.0, 1.0, terms(size=2.0))
    assert capped.amount == pytest.approx(0.49 / 0.51 * 10.0)
    assert big.make_offer(0, 1e3, 0.1, 1.0, terms()) is None  # below $10M: no offer


def test_rules_and_bars_strip_strings_and_captives_make_no_offers():
    model = market(rules="no-exclusivity")
    assert (
        model.hyperscaler_list[0].make_offer(0, 100.0, 200.0, 1.0, terms()).exclusivity_quarters
        == 0
    )
    model = market(rules="no-tied-investment")
    untied = model.hyperscaler_list[0].make_offer(0, 100.0, 200.0, 1.0, terms())
    assert untied.commitment_multiple == 0.0 and untied.revenue_share == 0.0
    assert market().hyperscaler_list[2].make_offer(0, 100.0, 200.0, 1.0, terms()) is None


def test_a_named_agreement_bars_exclusivity_between_its_pair():
    bar = AgreementSpec(investor="Big", lab="Frontier", stake=0.2, exclusivity_barred=True)
    model = market([bar])
    assert exclusivity_barred(model.state, 0, 0)
    assert not exclusivity_barred(model.state, 0, 1) and not exclusivity_barred(model.state, 1, 0)
    offer = model.hyperscaler_list[0].make_offer(0, 100.0, 200.0, 1.0, terms())
    assert offer.exclusivity_quarters == 0 and offer.commitment_multiple == 4.0
    assert (
        model.hyperscaler_list[1].make_offer(0, 100.0, 200.0, 1.0, terms()).exclusivity_quarters
        == 24
    )
    # A bar signed later applies from its quarter on.
    later = market([replace(bar, quarter=3, stake=0.0)])
    assert not exclusivity_barred(later.state, 0, 0)
    later.state.market.quarter = 3
    assert exclusivity_barred(later.state, 0, 0)


def test_microsoft_never_relocks_openai_in_the_calibrated_market():
    for seed in range(1, 6):
        deals = run("calibrated-2025", years=10, seed=seed, tables=("metrics", "deals")).deals
        pair = deals[(deals.investor == "Microsoft Azure") & (deals.lab == "OpenAI")]
        assert (pair.exclusivity_quarters == 0).all()


# ------------------------------------------------------------------------------------ budgets
def test_strategic_budget_by_hand():
    model = market(hyperscaler=HyperscalerParams(investment_budget_share=0.09, aggressiveness=2.0))
    big, small = model.hyperscaler_list[:2]
    # Big takes the schema share: 2 x 0.09 x 4 x 10; Small its own 0.2: 2 x 0.2 x 4 x 10.
    assert big.strategic_budget == pytest.approx(7.2)
    assert small.strategic_budget == pytest.approx(16.0)
    # Two years of budget, within cash (40) and debt room.
    assert big.investment_budget() == pytest.approx(14.4)
    assert small.investment_budget() == pytest.approx(min(32.0, small.cash + small.debt_room))


def test_deals_signed_count_against_the_budget_for_budget_years():
    model = market(offers=OfferParams(budget_years=1.0))
    small = model.hyperscaler_list[1]
    assert small.investment_budget() == pytest.approx(8.0)  # 1 x 0.2 x 4 x 10
    sign_deal(model.state, 0, Offer(investor=1, amount=5.0, stake=0.01, tranches=4))
    assert small.committed_to_labs() == pytest.approx(5.0)  # the whole amount, not the upfront
    assert small.investment_budget() == pytest.approx(3.0)
    model.state.market.quarter = 3
    assert small.investment_budget() == pytest.approx(3.0)
    model.state.market.quarter = 4  # a year later the deal is out of the window
    assert small.investment_budget() == pytest.approx(8.0)


@pytest.mark.parametrize("in_budget", [True, False])
def test_budget_rule_for_named_agreements_both_ways(in_budget):
    """Issue 11: whether a named deal's money counts against its investor's strategic budget."""
    named = AgreementSpec(
        investor="Small",
        lab="Frontier",
        quarter=1,
        amount=20.0,
        upfront=5.0,
        tranches=4,
        stake=0.05,
    )
    # No endogenous deals (growth raises would draw on the budget too): only the named one.
    offers = OfferParams(named_agreements_in_budget=in_budget, deals_per_year=0.0)
    model = market([named], offers=offers)
    small = model.hyperscaler_list[1]
    model.step()  # quarter 1: the named deal is signed
    assert model.providers.invested[1] >= 5.0
    flow = float(model.providers.other_cash_flow[1])
    budget = 2.0 * 0.2 * 4.0 * flow
    expected = max(0.0, budget - 20.0) if in_budget else budget
    room = small.investment_budget()
    assert room == pytest.approx(min(expected, small.cash + small.debt_room))
    assert (room == 0.0) == in_budget  # 20 counted fills the 16.x of two years' budget
    # An endogenous deal counts either way.
    sign_deal(model.state, 1, Offer(investor=1, amount=1.0, stake=0.01))
    assert small.committed_to_labs() == pytest.approx(21.0 if in_budget else 1.0)


def test_budget_rule_changes_the_investors_own_deals_in_the_calibrated_market():
    counted, free = [], []
    for seed in range(1, 6):
        for rule, out in ((True, counted), (False, free)):
            deals = run(
                "amazon-openai-50b",
                years=4,
                seed=seed,
                tables=("metrics", "deals"),
                overrides={"offers.named_agreements_in_budget": rule},
            ).deals
            own = deals[(deals.investor == "AWS") & (deals.origin == "endogenous")]
            out.append(own.amount.sum())
    # The $50B fills AWS's two-year budget when it counts: AWS signs less of its own.
    assert sum(counted) < sum(free)


# -------------------------------------------------------------------------------- incidence
def endogenous_deals(years=10, seeds=range(1, 6), **overrides):
    count = 0
    for seed in seeds:
        deals = run(
            "calibrated-2025",
            years=years,
            seed=seed,
            tables=("metrics", "deals"),
            overrides=overrides,
        ).deals
        strategic = (deals.origin == "endogenous") & (deals.kind == "investment")
        count += int(strategic.sum())
    return count / (len(seeds) * years)


def test_no_deals_without_incidence_and_more_with_a_higher_rate():
    assert endogenous_deals(years=3, **{"offers.deals_per_year": 0.0}) == 0.0
    observed = endogenous_deals()
    # At most the rate: a deal needs a lab raising in a quarter with one to be had, and the lab
    # may prefer independent money (plausibility row 24 compares the rate with the data).
    assert 0.3 <= observed <= 3.0
    assert endogenous_deals(**{"offers.deals_per_year": 12.0}) > 1.5 * observed


def test_fundraising_leaves_the_models_own_stream_alone():
    model = ComputeMarket(market_scenario="calibrated-2025", rng=3)
    for _ in range(6):
        model.step()
    before = model.rng.bit_generator.state
    fundraise(model.state, model.hyperscaler_list, model.lab_list, model.rng)
    assert model.rng.bit_generator.state == before


def test_each_quarters_draws_do_not_depend_on_earlier_draws():
    """Common random numbers: runs that differ in a deal draw the same dice quarter by quarter."""
    plain, busy = np.random.default_rng(5), np.random.default_rng(5)
    busy.random(17)  # a run that drew more numbers before (another deal, another entrant)
    for _ in range(3):
        np.testing.assert_array_equal(
            quarter_generator(plain).random(4), quarter_generator(busy).random(4)
        )
    assert not np.array_equal(
        quarter_generator(plain).random(4), quarter_generator(plain).random(4)
    )


# ---------------------------------------------------------------------------- multi-sourcing
def test_a_lab_buys_from_several_providers_at_once():
    commitments = [
        AgreementSpec(investor="Big", lab="Frontier", commitment=40.0, commitment_quarters=20),
        AgreementSpec(investor="Small", lab="Frontier", commitment=20.0, commitment_quarters=20),
    ]
    model = market(commitments, offers=OfferParams(deals_per_year=0.0))
    model.step()
    served = model.labs.allocation[0]
    assert (served[:2] > 0).all()  # both investors serve their commitments
    assert model.labs.exclusive_end[0].max() <= model.quarter


def test_labs_multi_home_in_the_calibrated_market():
    """OpenAI and Anthropic buy from several clouds, as they do (docs/model.md §7.5)."""
    for seed in (1, 2, 3):
        model = ComputeMarket(market_scenario="calibrated-2025", rng=seed)
        for _ in range(4):
            model.step()
        for name in ("OpenAI", "Anthropic"):
            served = model.labs.allocation[model.state.lab_names.index(name)]
            shares = served / served.sum()
            assert (shares > 0.05).sum() >= 2 and shares.max() < 0.95, (seed, name, shares)


@pytest.mark.parametrize(("switch_rate", "accepted"), [(0.8, True), (1.0, False)])
def test_moving_cost_of_an_offer_by_hand(switch_rate, accepted):
    """A lab runs 3 GW at provider 0 and 1 GW at provider 1 and spends $4B a quarter; provider 1
    offers $10B for a fair stake with a 2x commitment, no other string. The tied spend is $20B,
    75% of it runs elsewhere now: $15B would move, capped at four quarters of the spend that runs
    elsewhere, 4 x 4 x 0.75 = $12B. The offer scores 10 - 12 x switch_rate: taken at a rate of
    0.8 (score 0.4), refused at 1.0 (score -2)."""
    model = ComputeMarket(
        market_scenario="classroom", rng=1, overrides={"lab.string_aversion": 0.0}
    )
    lab = model.lab_list[0]
    labs = model.labs
    labs.allocation[lab.index] = 0.0
    labs.allocation[lab.index, :2] = [3.0, 1.0]
    labs.spend[lab.index] = 4.0
    valuation = 90.0
    offer = Offer(
        investor=1,
        amount=10.0,
        stake=10.0 / (valuation + 10.0),
        commitment_multiple=2.0,
        exclusivity_quarters=0,
        discount=0.0,
        revenue_share=0.0,
    )
    chosen = lab.choose_offers([offer], 10.0, False, valuation, switch_rate)
    assert (chosen == [offer]) is accepted
