"""Figures of one run: every figure draws on a real run; the numbers behind them are right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from computemarket.results import deal_network as network
from computemarket.results import figures_run, money_flow
from computemarket.results.plots import summary_figure
from computemarket.results.series import IN_HOUSE_SUFFIX, model_share_stack
from computemarket.results.source import FigureError
from computemarket.results.style import FIRM_COLOURS, IN_HOUSE_HATCH, firm_colours
from computemarket.store.runs import StoredRun

RUN_FIGURES = {
    "shares": figures_run.shares_figure,
    "concentration": figures_run.concentration_figure,
    "lock-in": figures_run.lock_in_figure,
    "money-flow": money_flow.money_flow_figure,
    "deal-network": network.deal_network_figure,
}


@pytest.mark.parametrize("kind", RUN_FIGURES)
def test_every_run_figure_draws_a_titled_non_blank_image(kind, stored_run, assert_drawn):
    figure = RUN_FIGURES[kind](stored_run)
    assert_drawn(figure)
    assert "baseline - scenario rules - seed 0 - 3 years" in figure.get_suptitle()


def test_time_series_panels_have_titles_and_units(stored_run):
    for function in (
        figures_run.shares_figure,
        figures_run.concentration_figure,
        figures_run.lock_in_figure,
    ):
        for ax in function(stored_run).axes:
            assert ax.get_title(loc="left")
            assert "(" in ax.get_ylabel() or "%" in ax.get_ylabel(), ax.get_ylabel()
            assert "HHI" in ax.get_ylabel() or "%" in ax.get_ylabel()


def stack_colours(ax) -> dict[str, str]:
    return {poly.get_label(): to_hex(poly.get_facecolor()[0]) for poly in ax.collections}


def test_a_firm_has_the_same_colour_in_every_figure(stored_run):
    colours = firm_colours(stored_run.agents)
    assert list(colours.values()) == list(FIRM_COLOURS[: len(colours)])
    cloud_panel, model_panel = figures_run.shares_figure(stored_run).axes[:2]
    summary_panel = summary_figure(stored_run.metrics, stored_run.agents).axes[0]
    assert stack_colours(cloud_panel) == stack_colours(summary_panel)
    assert stack_colours(cloud_panel) == {name: c.lower() for name, c in colours.items()}
    in_house = {
        label.removesuffix(IN_HOUSE_SUFFIX): colour
        for label, colour in stack_colours(model_panel).items()
        if label.endswith(IN_HOUSE_SUFFIX)
    }
    assert in_house, "the baseline has in-house labs"
    for owner, colour in in_house.items():
        assert colour == colours[owner].lower()
    by_investor = {
        line.get_label(): to_hex(line.get_color())
        for line in figures_run.lock_in_figure(stored_run).axes[2].get_lines()
    }
    assert by_investor and all(by_investor[n] == colours[n].lower() for n in by_investor)


def test_model_market_stack_combines_an_owners_labs_and_sums_to_one(stored_run):
    stack = model_share_stack(stored_run.agents)
    np.testing.assert_allclose(stack.shares.sum(axis=1), 1.0, atol=1e-9)
    labs = stored_run.agents.query("kind == 'lab'")
    owned = labs[labs["owner"] != ""].groupby(["quarter", "owner"])["share"].sum()
    for (quarter, owner), share in owned.items():
        assert stack.shares.loc[quarter, f"{owner}{IN_HOUSE_SUFFIX}"] == pytest.approx(share)
    hatches = dict(zip(stack.shares.columns, stack.hatches, strict=True))
    assert all((h == IN_HOUSE_HATCH) == c.endswith(IN_HOUSE_SUFFIX) for c, h in hatches.items())


def test_money_flows_balance_and_match_the_ledger(stored_run):
    year, quarters = money_flow.flow_quarters(stored_run.metrics)
    assert (year, quarters) == (2028, [8, 9, 10, 11])
    flows = money_flow.money_flows(stored_run.ledger, stored_run.agents, quarters)
    side = flows.groupby("side")["amount"].sum()
    assert side["in"] == pytest.approx(side["out"])
    ledger = stored_run.ledger[stored_run.ledger["quarter"].isin(quarters)]
    tagged = ledger["origin"] != ""
    paid = ledger["kind"].isin(["compute_payment", "take_or_pay"])
    circular = flows[flows["part"] == money_flow.CIRCULAR]
    assert circular["amount"].sum() == pytest.approx(ledger.loc[paid & tagged, "amount"].sum())
    assert circular["amount"].sum() > 0, "the baseline's tied deals send money back"
    tied = flows[flows["part"] == money_flow.TIED]
    investment = ledger[(ledger["kind"] == "investment") & tagged]
    assert tied["amount"].sum() == pytest.approx(investment["amount"].sum())
    users = flows.query("node == @money_flow.END_USERS")["amount"].sum()
    assert users == pytest.approx(ledger.loc[ledger["kind"] == "end_user_revenue", "amount"].sum())


def test_money_flow_year_is_checked(stored_run):
    assert money_flow.flow_quarters(stored_run.metrics, 2026) == (2026, [1, 2, 3])
    with pytest.raises(
        FigureError, match=r"year 2031: the run's money flows cover calendar years 2026 to 2029"
    ):
        money_flow.money_flow_figure(stored_run, 2031)


def test_deal_network_of_the_real_run(stored_run):
    graph = network.deal_network(stored_run)
    last = stored_run.agents[stored_run.agents["quarter"] == 12]
    alive = last[(last["kind"] == "hyperscaler") & last["alive"]]["name"]
    clouds = {n for n, kind in graph.nodes(data="kind") if kind == "hyperscaler"}
    failed = last[(last["kind"] == "hyperscaler") & ~last["alive"]]["name"]
    assert clouds == set(alive) and clouds.isdisjoint(failed)
    assert {n for n, kind in graph.nodes(data="kind") if kind == "lab"} == set(
        last.loc[last["kind"] == "lab", "name"]
    )
    equity = {(a, b): v for a, b, k, v in graph.edges(keys=True, data="value") if k == "equity"}
    invested = (
        stored_run.deals.query("kind == 'investment'").groupby(["investor", "lab"])["amount"].sum()
    )
    for pair, value in equity.items():
        assert value == pytest.approx(invested[pair])
    for lab, owner in graph.nodes(data="owner"):
        if owner:
            assert graph.has_edge(owner, lab, key="ownership")


def hand_made_run() -> StoredRun:
    """One cloud H, two labs: L1 with a tied exclusive deal, L2 funded in quarter 2 and bought in 6."""
    quarters = range(11)
    metrics = pd.DataFrame({"quarter": quarters, "year": [2026 + q / 4 for q in quarters]})
    agents = pd.DataFrame(
        [
            {
                "quarter": q,
                "agent_id": i,
                "name": name,
                "kind": kind,
                "share": share,
                "alive": True,
                "owner": "H" if name == "L2" and q >= 6 else "",
                "compute_spend": 0.5 if kind == "lab" else np.nan,
            }
            for q in quarters
            for i, name, kind, share in (
                (1, "H", "hyperscaler", 1.0),
                (2, "L1", "lab", 0.6),
                (3, "L2", "lab", 0.4),
            )
        ]
    )
    deal = {"upfront": 0.0, "stake": 0.1, "discount": 0.0, "revenue_share": 0.0}
    deals = pd.DataFrame(
        [
            {
                "quarter": 1,
                "kind": "investment",
                "investor": "H",
                "lab": "L1",
                "amount": 2.0,
                "commitment": 28.0,
                "commitment_quarters": 28,
                "exclusivity_quarters": 8,
                **deal,
            },
            {
                "quarter": 2,
                "kind": "investment",
                "investor": "H",
                "lab": "L2",
                "amount": 1.0,
                "commitment": 4.0,
                "commitment_quarters": 4,
                "exclusivity_quarters": 0,
                **deal,
            },
            {
                "quarter": 6,
                "kind": "acquisition",
                "investor": "H",
                "lab": "L2",
                "amount": 3.0,
                "commitment": 0.0,
                "commitment_quarters": 0,
                "exclusivity_quarters": 0,
                **deal,
            },
        ]
    )
    return StoredRun(Path("."), {"scenario_name": "hand"}, metrics, agents, pd.DataFrame(), deals)


def ties(quarter: int) -> dict[tuple[str, str], float]:
    graph = network.deal_network(hand_made_run(), quarter)
    return {(lab, kind): value for _h, lab, kind, value in graph.edges(keys=True, data="value")}


def test_deal_network_values_by_hand():
    assert ties(0) == {}
    # quarter 5: L1 24/28 of its commitment left and exclusive; L2 1 of 4 quarters left
    assert ties(5) == {
        ("L1", "equity"): 2.0,
        ("L1", "commitment"): pytest.approx(24.0),
        ("L1", "exclusivity"): 2.0,  # 4 x 0.5 $B per quarter
        ("L2", "equity"): 1.0,
        ("L2", "commitment"): pytest.approx(1.0),
    }
    # quarter 8: L2 was bought (its deal ended, ownership instead); L1 still exclusive
    assert ties(8) == {
        ("L1", "equity"): 2.0,
        ("L1", "commitment"): pytest.approx(21.0),
        ("L1", "exclusivity"): 2.0,
        ("L2", "ownership"): 2.0,
    }
    assert ("L1", "exclusivity") not in ties(9)
    with pytest.raises(FigureError, match="quarter 11: the run has quarters 0 to 10"):
        network.deal_network(hand_made_run(), 11)


def test_ring_layout_puts_each_cloud_among_its_labs():
    graph = network.deal_network(hand_made_run(), 8)
    position = network.ring_layout(graph)
    assert np.hypot(*position["L1"]) == pytest.approx(1.0)
    assert np.hypot(*position["H"]) < 0.5


def line_colours(figure) -> dict[str, str]:
    return {
        line.get_label(): to_hex(line.get_color())
        for ax in figure.axes
        for line in ax.get_lines()
        if not line.get_label().startswith("_")
    }


def test_a_metric_has_one_colour_in_every_figure(stored_run):
    from computemarket.results.panels import CIRCULARITY_SERIES, HHI_SERIES, LOCK_IN_SERIES
    from computemarket.results.style import METRIC_COLOURS

    labels = {**HHI_SERIES, **LOCK_IN_SERIES, **CIRCULARITY_SERIES}
    summary = line_colours(summary_figure(stored_run.metrics, stored_run.agents))
    detailed = {
        **line_colours(figures_run.concentration_figure(stored_run)),
        **line_colours(figures_run.lock_in_figure(stored_run)),
    }
    for metric, label in labels.items():
        assert summary[label] == detailed[label] == METRIC_COLOURS[metric].lower(), metric
    # No two metrics drawn in one panel share a colour.
    for series in (HHI_SERIES, LOCK_IN_SERIES, CIRCULARITY_SERIES):
        colours = [METRIC_COLOURS[m] for m in series]
        assert len(set(colours)) == len(colours)
