"""Hyperscalers (cloud providers): build capacity, price it, finance themselves, invest in labs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from computemarket.agents.base import MarketAgent
from computemarket.agents.offers import Offer, OfferTerms, exclusivity_barred
from computemarket.simulation.ledger import EXTERNAL, MIN_TRANSFER
from computemarket.simulation.lending import blended_rate, draw_credit, repriced_rate
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.state import ProviderState, State

if TYPE_CHECKING:
    import mesa

    from computemarket.simulation.parameters import HyperscalerParams


class Hyperscaler(MarketAgent):
    """A cloud provider with AI capacity by vintage, a non-AI cloud business and other businesses.

    State lives in row ``index`` of the :class:`~computemarket.simulation.state.ProviderState`;
    cash lives in the ledger.

    Args:
        model: The Mesa model.
        state: The market state.
        index: Row in the provider arrays.
        name: Display name.
    """

    kind = "hyperscaler"

    def __init__(self, model: mesa.Model, state: State, index: int, name: str) -> None:
        super().__init__(model, state, index, name)
        self.debt_room = 0.0

    # ---------------------------------------------------------------------------- read-only state
    @property
    def account(self) -> int:
        """Ledger account number."""
        return int(self.state.providers.account[self.index])

    @property
    def capacity_gw(self) -> float:
        """Installed AI capacity, GW (physical; its compute is ``providers.capacity``, in eGW)."""
        return float(self.state.providers.power_gw[self.index])

    @property
    def alive(self) -> bool:
        """False once the provider has failed."""
        return bool(self.state.providers.alive[self.index])

    @property
    def neocloud(self) -> bool:
        """A neocloud has no other business to fall back on."""
        return bool(self.state.providers.neocloud[self.index])

    @property
    def price(self) -> float:
        """Spot price, $B per GW-quarter."""
        return float(self.state.providers.price[self.index])

    @property
    def utilization(self) -> float:
        """GW served over GW installed this quarter (0 without capacity)."""
        p = self.state.providers
        capacity = float(p.capacity[self.index])
        return float(p.served[self.index]) / capacity if capacity > 0 else 0.0

    @property
    def ai_revenue(self) -> float:
        """AI compute revenue this quarter, $B (0 once failed)."""
        p = self.state.providers
        return float(p.ai_revenue[self.index]) if p.alive[self.index] else 0.0

    @property
    def share(self) -> float:
        """Share of the AI compute revenue of all providers this quarter (what ``cloud_hhi`` uses)."""
        p = self.state.providers
        total = float((p.ai_revenue * p.alive).sum())
        return self.ai_revenue / total if total > 0 else 0.0

    @property
    def cloud_market_share(self) -> float:
        """Share of the whole cloud market (non-AI plus external AI revenue, fringe included)."""
        p, i = self.state.providers, self.index
        cloud = (p.external_revenue + p.non_ai_revenue) * p.alive
        total = float(cloud.sum()) + self.state.market.fringe_revenue
        return float(cloud[i]) / total if total > 0 else 0.0

    @property
    def debt(self) -> float:
        """Debt, $B."""
        return float(self.state.providers.debt[self.index])

    @property
    def capex(self) -> float:
        """Capex paid this quarter, $B."""
        return float(self.state.providers.capex[self.index])

    @property
    def invested(self) -> float:
        """Cumulative investment in labs, $B."""
        return float(self.state.providers.invested[self.index])

    @property
    def circular_revenue(self) -> float:
        """Cumulative compute revenue paid with its own tied investment, $B."""
        return float(self.state.providers.circular_revenue[self.index])

    @property
    def roundtrip_ratio(self) -> float:
        """Circular revenue per $ invested: this investor's 'door and window' ratio."""
        return self.circular_revenue / self.invested if self.invested > 0 else 0.0

    @property
    def losses(self) -> float:
        """Cumulative $B lost on labs that exited (capital invested and bad debt)."""
        return float(self.state.providers.losses[self.index])

    # --------------------------------------------------------------------------------- behaviour
    def plan_capacity(self, backlog_gw: float) -> float:
        """Update the demand forecast and return the GW the provider wants to order this quarter.

        Args:
            backlog_gw: eGW it is contracted or committed to supply in the quarter an order placed
                now arrives (:func:`computemarket.simulation.contracts.backlog_gws`).

        Returns:
            GW to order, before the supply curve's rationing
            (:func:`computemarket.simulation.supply.allot_additions`) and financing.
        """
        self._update_forecast()
        return self._capacity_gap(backlog_gw)

    def finance(self, allotted_gw: float) -> None:
        """The quarter's finance: operating flows, debt, capacity orders, capex, repayment.

        Lenders have quoted the provider's rate, ceiling and allotment of the quarter's lending
        capacity (:func:`computemarket.simulation.credit.allot_credit`) before this runs.

        Args:
            allotted_gw: GW it may order this quarter: what it planned
                (:meth:`plan_capacity`) within its share of the supply curve.
        """
        p, i, hp = self.state.providers, self.index, self.state.params.hyperscaler
        operating_cost = self._operating_flows()
        self._reprice_debt()
        self.debt_room = self.planning_room()
        reserve = operating_cost  # keep a quarter of operating cost in hand
        order_gw = self._order_capacity(allotted_gw, reserve)
        if order_gw > 0 and hp.asset_financing > 0:
            # Order financing: lenders advance against the new order too (off by default).
            p.debt_ceiling[i] += hp.asset_financing * order_gw * self._order_capex_per_gw()
            self.debt_room = self.planning_room()
        borrowed = self._pay_capex(reserve)
        if borrowed == 0:
            self._repay_debt(float(p.debt_ceiling[i]), reserve)
        # What it left of its allotment is open to every borrower for the rest of the quarter.
        market = self.state.market
        market.lending_left += float(p.credit_quota[i])
        p.credit_quota[i] = 0.0
        self.debt_room = max(0.0, min(float(p.debt_ceiling[i] - p.debt[i]), market.lending_left))

    def _operating_flows(self) -> float:
        """Book non-AI revenue and costs, other business, AI operating cost and interest.

        Returns:
            This quarter's AI operating cost, $B.
        """
        st, p, i = self.state, self.state.providers, self.index
        hp, ledger, acct = st.params.hyperscaler, st.ledger, self.account
        non_ai = float(p.non_ai_revenue[i])
        ledger.book(EXTERNAL, acct, non_ai, "non_ai_revenue")
        # Contracts with customers outside the model are paid out of that revenue.
        p.outside_backlog[i] = max(0.0, float(p.outside_backlog[i]) - non_ai)
        ledger.book(acct, EXTERNAL, non_ai * (1.0 - hp.non_ai_margin), "non_ai_cost")
        ledger.book(EXTERNAL, acct, float(p.other_cash_flow[i]), "other_business")
        operating_cost = hp.operating_cost_per_gw * float(p.power_gw[i])
        ledger.book(acct, EXTERNAL, operating_cost, "ai_operating_cost")
        ledger.book(acct, EXTERNAL, float(p.debt[i]) * float(p.interest_rate[i]) / 4.0, "interest")
        return operating_cost

    def _reprice_debt(self) -> None:
        """``credit.repricing_share`` of the debt matures and is refinanced at the quoted rate."""
        p, i = self.state.providers, self.index
        if p.debt[i] > 0:
            share = self.state.params.credit.repricing_share
            p.interest_rate[i] = float(repriced_rate(p.interest_rate[i], p.lending_rate[i], share))
        else:
            p.interest_rate[i] = p.lending_rate[i]

    def planning_room(self) -> float:
        """Debt the provider may plan its orders on, $B.

        What lenders would still let it owe (its ceiling less its debt), but no more than its
        allotment of lending capacity over the build (``max(build_lag_quarters, 1)`` quarters of
        this quarter's allotment): capex is paid over the build, out of each quarter's draws.
        """
        p, i, hp = self.state.providers, self.index, self.state.params.hyperscaler
        room = max(0.0, float(p.debt_ceiling[i]) - float(p.debt[i]))
        return min(room, max(hp.build_lag_quarters, 1) * float(p.credit_quota[i]))

    def _order_capex_per_gw(self) -> float:
        """Capex per GW of an order placed this quarter (its vintage, congestion premium included)."""
        market = self.state.market
        column = (
            market.quarter + market.life_quarters + self.state.params.hyperscaler.build_lag_quarters
        )
        return float(market.vintage_capex[column])

    def _order_capacity(self, gap_gw: float, reserve: float) -> float:
        """Order what the capacity gap calls for, within what can be financed; return the GW ordered.

        An order is affordable if cash, debt room and asset-backed lending (``asset_financing`` of
        the new hardware) cover it on top of the capex already committed for earlier orders.
        Capex, at the vintage's price per GW, is paid over the build: this quarter and the
        ``build_lag_quarters - 1`` after it.
        """
        st, p, i = self.state, self.state.providers, self.index
        hp, market = st.params.hyperscaler, st.market
        lag, t_col = hp.build_lag_quarters, market.quarter + market.life_quarters
        committed = float(p.capex_due[i, t_col + 1 : t_col + lag + 1].sum())
        own_share = 1.0 - hp.asset_financing
        affordable = max(
            0.0,
            self.cash
            - reserve
            + self.debt_room
            - float(p.capex_due[i, t_col])
            - float(p.other_capex[i])
            - own_share * committed,
        )
        capex_per_gw = self._order_capex_per_gw()
        order_gw = gap_gw
        if own_share > 0:
            order_gw = min(order_gw, affordable / (capex_per_gw * own_share))
        if order_gw > 0:
            p.arrivals[i, t_col + lag] += order_gw
            spread = max(lag, 1)
            p.capex_due[i, t_col : t_col + spread] += order_gw * capex_per_gw / spread
        return order_gw

    def _pay_capex(self, reserve: float) -> float:
        """Pay this quarter's capex, borrowing what cash does not cover; return the $B borrowed.

        The capex due on AI orders is owed to the builders; the capex the model does not represent
        (``other_capex``, the parent's plan) is cut to what cash above the reserve and the debt
        the provider may still draw can pay: a parent defers those projects before it breaks its
        lenders' limits or its own financial policy.
        """
        st, p, i = self.state, self.state.providers, self.index
        t_col = st.market.quarter + st.market.life_quarters
        due = float(p.capex_due[i, t_col])
        affordable = max(0.0, self.cash - reserve + self.debt_room - due)
        capex = due + min(float(p.other_capex[i]), affordable)
        borrowed = self._borrow(min(max(0.0, capex + reserve - self.cash), self.debt_room))
        st.ledger.book(self.account, EXTERNAL, capex, "capex")
        p.capex[i] = capex
        return borrowed

    def _repay_debt(self, ceiling: float, reserve: float) -> None:
        """Repay debt from cash beyond the reserve: the scheduled share, or, under a covenant, more.

        A neocloud above its ceiling (the covenant, or collateral that has depreciated) repays
        down to it as cash allows: a cash sweep. Corporate notes carry no covenant: above its
        ceiling a hyperscaler only borrows no more. Not called in a quarter the provider borrowed
        (it never repays with money just borrowed).
        """
        p, i, hp = self.state.providers, self.index, self.state.params.hyperscaler
        debt = float(p.debt[i])
        if debt <= 0:
            return
        scheduled = debt * hp.debt_repayment_rate
        if self.neocloud:
            scheduled = max(scheduled, debt - ceiling)
        repay = min(scheduled, max(0.0, self.cash - 2.0 * reserve))
        if repay > MIN_TRANSFER:
            self.state.ledger.book(self.account, EXTERNAL, repay, "debt_repayment")
            p.debt[i] = snap_to_zero(np.array([debt - repay]), debt)[0]

    def _borrow(self, amount: float, committed_lines: bool = False) -> float:
        """Borrow up to ``amount``: the provider's allotment first, then what nobody was allotted.

        New debt is priced at this quarter's quoted rate and blended into the average rate.

        Args:
            amount: $B wanted.
            committed_lines: Also draw, beyond the quarter's lending capacity, what the capacity
                does not cover (committed bank lines of an investment-grade borrower).

        Returns:
            The $B borrowed (booked as ``debt_draw`` from the world).
        """
        st, p, i = self.state, self.state.providers, self.index
        wanted = max(amount, 0.0)
        allotted = min(wanted, float(p.credit_quota[i]))
        pooled = draw_credit(st, wanted - allotted)
        beyond = wanted - allotted - pooled if committed_lines else 0.0
        granted = allotted + pooled + beyond
        if not granted > MIN_TRANSFER:
            return 0.0
        p.credit_quota[i] -= allotted
        st.counters["new_lending"] += allotted + beyond
        p.interest_rate[i] = blended_rate(
            float(p.interest_rate[i]), float(p.debt[i]), granted, float(p.lending_rate[i])
        )
        st.ledger.book(EXTERNAL, self.account, granted, "debt_draw")
        p.debt[i] += granted
        self.debt_room = max(0.0, self.debt_room - granted)
        return granted

    def cover_shortfall(self) -> bool:
        """Borrow, up to the ceiling, to bring cash back to zero.

        A neocloud borrows only within what is left of its allotment and of the lending capacity;
        an investment-grade hyperscaler also draws committed bank lines beyond it.

        Returns:
            True if cash is non-negative afterwards (to a dollar: the draw may come in parts whose
            sum differs from the hole in the last bit), False if the provider cannot pay.
        """
        p, i = self.state.providers, self.index
        if self.cash < 0:
            room = max(0.0, float(p.debt_ceiling[i] - p.debt[i]))
            self._borrow(min(-self.cash, room), committed_lines=not self.neocloud)
        return self.cash >= -MIN_TRANSFER

    def _update_forecast(self) -> None:
        """Exponential smoothing of the GW demanded of this provider and of its growth."""
        p, i, hp = self.state.providers, self.index, self.state.params.hyperscaler
        alpha = hp.forecast_smoothing
        observed = float(p.demand_seen[i])
        level = float(p.demand_level[i])
        if level <= 0:
            p.demand_level[i] = observed
            return
        growth = min(max(observed / level - 1.0, hp.forecast_growth_min), hp.forecast_growth_max)
        p.demand_growth[i] = (1 - alpha) * p.demand_growth[i] + alpha * growth
        p.demand_level[i] = (1 - alpha) * level + alpha * observed

    def _capacity_gap(self, backlog_gw: float) -> float:
        """GW to order now so that capacity meets forecast demand and backlog when it arrives.

        Demand, backlog and capacity are compute (eGW); the gap is turned into GW of the vintage
        that would arrive.
        """
        p, i, market = self.state.providers, self.index, self.state.market
        hp = self.state.params.hyperscaler
        lag = hp.build_lag_quarters
        damping = hp.forecast_damping
        horizon = sum(damping**k for k in range(1, lag + 1))
        forecast = float(p.demand_level[i]) * (1.0 + float(p.demand_growth[i])) ** horizon
        if p.markup[i] <= hp.min_markup:
            forecast = 0.0  # prices at cost: build only for contracted demand, not on speculation
        needed = max(forecast, backlog_gw) / hp.target_utilization
        # Compute still installed at t + lag: arrivals from t + lag - life + 1 to t + lag.
        t_col = market.quarter + lag + market.life_quarters
        window = slice(t_col - market.life_quarters + 1, t_col + 1)
        future = float(p.arrivals[i, window] @ market.vintage_compute[window])
        return max(0.0, needed - future) / float(market.vintage_compute[t_col])

    @property
    def strategic_budget(self) -> float:
        """$B per year this provider puts into lab deals (its strategic budget).

        ``aggressiveness * share * 4 * other-business cash flow``; the share is the provider's
        ``strategic_investment_share`` if its scenario entry gives one, else
        ``hyperscaler.investment_budget_share``.
        """
        hp = self.state.params.hyperscaler
        share = hp.investment_budget_share
        for spec in self.state.params.hyperscalers:
            if spec.name == self.name and spec.strategic_investment_share >= 0:
                share = spec.strategic_investment_share
        flow = float(self.state.providers.other_cash_flow[self.index])
        return max(0.0, hp.aggressiveness * share * 4.0 * flow)

    def committed_to_labs(self) -> float:
        """$B of deals this provider signed in the last ``offers.budget_years`` years.

        The whole amount of each deal (upfront and tranches) counts from the quarter it is signed;
        a named agreement counts only if ``offers.named_agreements_in_budget``.
        """
        offers, quarter = self.state.params.offers, self.state.market.quarter
        window = 4.0 * offers.budget_years
        return sum(
            row["amount"]
            for row in self.state.deal_rows
            if row["kind"] == "investment"
            and row["investor"] == self.name
            and quarter - row["quarter"] < window
            and (offers.named_agreements_in_budget or row.get("origin") != "named")
        )

    def investment_budget(self) -> float:
        """$B available for new lab deals this quarter.

        ``offers.budget_years`` years of the strategic budget less the deals signed in that many
        years (:meth:`committed_to_labs`), within what the provider's cash and remaining debt room
        can pay.
        """
        years = self.state.params.offers.budget_years
        room = years * self.strategic_budget - self.committed_to_labs()
        return max(0.0, min(room, max(self.cash, 0.0) + self.debt_room))

    def make_offer(
        self, lab: int, budget: float, valuation: float, survival: float, terms: OfferTerms
    ) -> Offer | None:
        """Offer capital with strings on the drawn terms, if the deal is worth it to this provider.

        The amount is ``terms.size_share`` of the lab's valuation, within the budget and the stake
        cap. The value of a deal is the margin on the compute it secures (committed spend, and all
        the lab's spend while exclusive) plus the expected equity return, times the lab's chance of
        surviving, minus the money put in. The rules cap the commitment multiple and may ban
        commitments or exclusivity; a named agreement may bar exclusivity with this lab.

        Args:
            lab: Row of the lab in the lab arrays.
            budget: $B this provider can still invest this quarter.
            valuation: The lab's pre-money valuation, $B.
            survival: Investors' belief that the lab survives (0.5 to 1).
            terms: The terms drawn for this offer (:func:`~computemarket.agents.offers.offer_terms`).

        Returns:
            The offer, or ``None`` if the rules forbid it or it is not worth making.
        """
        params = self.state.params
        rules = params.rules
        if not rules.hyperscaler_equity or not self.alive:
            return None
        if self.state.providers.captive[self.index]:
            return None  # it sells no compute to others: nothing to trade capital for
        labs = self.state.labs
        room = rules.max_equity_stake - float(labs.stake[lab, self.index])
        if room <= 0:
            return None
        # stake = amount / (valuation + amount) <= room  <=>  amount <= room * valuation / (1 - room)
        cap = math.inf if room >= 1 else room * valuation / (1.0 - room)
        amount = min(terms.size_share * valuation, budget, cap)
        if amount < 0.01:
            return None
        multiple = (
            min(terms.commitment_multiple, rules.max_commitment_multiple)
            if rules.tied_investment
            else 0.0
        )
        exclusive = terms.exclusivity_quarters if rules.exclusivity else 0
        if exclusive and exclusivity_barred(self.state, lab, self.index):
            exclusive = 0
        markup = float(self.state.providers.markup[self.index])
        margin = markup / (1.0 + markup)
        secured = margin * (multiple * amount + exclusive * float(labs.spend[lab]))
        value = survival * (params.hyperscaler.equity_return * amount + secured) - amount
        if value <= 0:
            return None
        return Offer(
            investor=self.index,
            amount=amount,
            stake=amount / (valuation + amount),
            commitment_multiple=multiple,
            exclusivity_quarters=exclusive,
            discount=terms.discount,
            revenue_share=terms.revenue_share if multiple > 0 else 0.0,
            tranches=terms.tranches,
        )


def operating_cash_flows(providers: ProviderState, params: HyperscalerParams) -> np.ndarray:
    """Annualised operating cash flow (EBITDA, before interest) of each provider, $B per year.

    ``4 (AI revenue - operating_cost_per_gw * power + non_ai_margin * non-AI revenue + other
    cash flow)``, with power the installed physical GW: what lenders look at.
    """
    p = providers
    ai_margin = p.ai_revenue - params.operating_cost_per_gw * p.power_gw
    return 4.0 * (ai_margin + p.non_ai_revenue * params.non_ai_margin + p.other_cash_flow)


def fleet_depreciation(
    arrivals: np.ndarray,
    vintage_capex: np.ndarray,
    column: int,
    life_quarters: int,
    params: HyperscalerParams,
) -> np.ndarray:
    """Straight-line depreciation of installed AI hardware at its cost, $B per year.

    The GW of every vintage still installed times its capex per GW, over ``hardware_life_years``:
    what separates EBIT from EBITDA for lenders.

    Args:
        arrivals: GW arriving per quarter, one row per provider (``ProviderState.arrivals``).
        vintage_capex: Capex per GW of each column's vintage, $B (``MarketState.vintage_capex``).
        column: Column of the current quarter.
        life_quarters: Hardware life in quarters.
        params: The scenario's hyperscaler parameters.
    """
    installed = slice(column - life_quarters + 1, column + 1)
    return (arrivals[..., installed] @ vintage_capex[installed]) / params.hardware_life_years


def update_markups(
    markup: np.ndarray, utilization: np.ndarray, params: HyperscalerParams
) -> np.ndarray:
    """Markups move with the gap between utilization and its target, within their bounds.

    Args:
        markup: Current markups, one per provider.
        utilization: Served GW over capacity, one per provider.
        params: The scenario's :class:`~computemarket.simulation.parameters.HyperscalerParams`.

    Returns:
        New markups.
    """
    moved = markup + params.markup_adjustment * (utilization - params.target_utilization)
    return np.clip(moved, params.min_markup, params.max_markup)
