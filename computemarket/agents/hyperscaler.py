"""Hyperscalers (cloud providers): build capacity, price it, finance themselves, invest in labs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from computemarket.agents.base import MarketAgent
from computemarket.simulation.ledger import EXTERNAL, MIN_TRANSFER
from computemarket.simulation.lending import blended_rate, draw_credit, repriced_rate
from computemarket.simulation.numerics import snap_to_zero
from computemarket.simulation.state import ProviderState, State

if TYPE_CHECKING:
    import mesa

    from computemarket.simulation.parameters import HyperscalerParams


@dataclass(frozen=True)
class Offer:
    """An offer of capital to a lab.

    Attributes:
        investor: Provider index, or -1 for independent capital.
        amount: Total investment, $B (upfront plus conditional tranches).
        stake: Equity stake bought, fraction of the lab.
        commitment_multiple: Compute to buy from the investor per $ invested (take-or-pay).
        exclusivity_quarters: Quarters of exclusivity.
        discount: Price discount at the investor.
        revenue_share: Share of lab revenue paid to the investor during the commitment term.
    """

    investor: int
    amount: float
    stake: float
    commitment_multiple: float = 0.0
    exclusivity_quarters: int = 0
    discount: float = 0.0
    revenue_share: float = 0.0


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
        """Installed AI capacity, GW."""
        return float(self.state.providers.capacity[self.index])

    @property
    def alive(self) -> bool:
        """False once the provider has failed."""
        return bool(self.state.providers.alive[self.index])

    @property
    def neocloud(self) -> bool:
        """A neocloud has no other business to fall back on."""
        return bool(self.state.providers.neocloud[self.index])

    # --------------------------------------------------------------------------------- behaviour
    def finance(self, contracted_revenue: float, backlog_gw: float) -> None:
        """The quarter's finance: operating flows, debt, demand forecast, capacity orders, capex.

        Lenders have quoted the provider's rate, ceiling and allotment of the quarter's lending
        capacity (:func:`computemarket.simulation.credit.allot_credit`) before this runs.

        Args:
            contracted_revenue: $B the provider is still owed under contracts and commitments
                (:func:`computemarket.simulation.contracts.contracted_revenues`).
            backlog_gw: GW it is contracted or committed to supply in the quarter an order placed
                now arrives (:func:`computemarket.simulation.contracts.backlog_gws`).
        """
        p, i, hp = self.state.providers, self.index, self.state.params.hyperscaler
        operating_cost = self._operating_flows()
        self._reprice_debt()
        self.debt_room = self.planning_room()
        self._update_forecast()
        reserve = operating_cost  # keep a quarter of operating cost in hand
        order_gw = self._order_capacity(self._capacity_gap(backlog_gw), reserve)
        if order_gw > 0 and hp.asset_financing > 0:
            # Order financing: lenders advance against the new order too (off by default).
            p.debt_ceiling[i] += hp.asset_financing * order_gw * hp.capex_per_gw
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
        ledger.book(acct, EXTERNAL, non_ai * (1.0 - hp.non_ai_margin), "non_ai_cost")
        ledger.book(EXTERNAL, acct, float(p.other_cash_flow[i]), "other_business")
        operating_cost = hp.operating_cost_per_gw * float(p.capacity[i])
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

    def _order_capacity(self, gap_gw: float, reserve: float) -> float:
        """Order what the capacity gap calls for, within what can be financed; return the GW ordered.

        An order is affordable if cash, debt room and asset-backed lending (``asset_financing`` of
        the new hardware) cover it on top of the capex already committed for earlier orders.
        Capex is paid over the build: this quarter and the ``build_lag_quarters - 1`` after it.
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
        order_gw = gap_gw
        if own_share > 0:
            order_gw = min(order_gw, affordable / (hp.capex_per_gw * own_share))
        if order_gw > 0:
            p.arrivals[i, t_col + lag] += order_gw
            spread = max(lag, 1)
            p.capex_due[i, t_col : t_col + spread] += order_gw * hp.capex_per_gw / spread
        return order_gw

    def _pay_capex(self, reserve: float) -> float:
        """Pay this quarter's capex, borrowing what cash does not cover; return the $B borrowed."""
        st, p, i = self.state, self.state.providers, self.index
        t_col = st.market.quarter + st.market.life_quarters
        capex = float(p.capex_due[i, t_col]) + float(p.other_capex[i])
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
        """GW to order now so that capacity meets forecast demand and backlog when it arrives."""
        p, i, market = self.state.providers, self.index, self.state.market
        hp = self.state.params.hyperscaler
        lag = hp.build_lag_quarters
        damping = hp.forecast_damping
        horizon = sum(damping**k for k in range(1, lag + 1))
        forecast = float(p.demand_level[i]) * (1.0 + float(p.demand_growth[i])) ** horizon
        if p.markup[i] <= hp.min_markup:
            forecast = 0.0  # prices at cost: build only for contracted demand, not on speculation
        needed = max(forecast, backlog_gw) / hp.target_utilization
        # Capacity still installed at t + lag: arrivals from t + lag - life + 1 to t + lag.
        t_col = market.quarter + lag + market.life_quarters
        future = float(p.arrivals[i, t_col - market.life_quarters + 1 : t_col + 1].sum())
        return max(0.0, needed - future)

    def investment_budget(self) -> float:
        """$B available for lab deals this quarter.

        A share of other-business cash flow (times aggressiveness), within what the provider's cash
        and remaining debt room can pay.
        """
        hp = self.state.params.hyperscaler
        flow = float(self.state.providers.other_cash_flow[self.index])
        return max(
            0.0,
            min(
                hp.aggressiveness * hp.investment_budget_share * flow,
                max(self.cash, 0.0) + self.debt_room,
            ),
        )

    def make_offer(
        self, lab: int, amount_sought: float, budget: float, valuation: float, survival: float
    ) -> Offer | None:
        """Offer capital with strings if the deal is worth it to this provider.

        The value of a deal is the margin on the compute it secures (committed spend, and all the
        lab's spend while exclusive) plus the expected equity return, times the lab's chance of
        surviving, minus the money put in.

        Args:
            lab: Row of the lab in the lab arrays.
            amount_sought: $B the lab wants to raise.
            budget: $B this provider can still invest this quarter.
            valuation: The lab's pre-money valuation, $B.
            survival: Investors' belief that the lab survives (0.5 to 1).

        Returns:
            The offer, or ``None`` if the rules forbid it or it is not worth making.
        """
        params = self.state.params
        rules, terms = params.rules, params.deals
        if not rules.hyperscaler_equity or not self.alive:
            return None
        labs = self.state.labs
        room = rules.max_equity_stake - float(labs.stake[lab, self.index])
        if room <= 0:
            return None
        # stake = amount / (valuation + amount) <= room  <=>  amount <= room * valuation / (1 - room)
        cap = math.inf if room >= 1 else room * valuation / (1.0 - room)
        amount = min(amount_sought, budget, cap)
        if amount < 0.01:
            return None
        multiple = (
            min(terms.commitment_multiple, rules.max_commitment_multiple)
            if rules.tied_investment
            else 0.0
        )
        exclusive = terms.exclusivity_quarters if rules.exclusivity else 0
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
        )


def operating_cash_flows(providers: ProviderState, params: HyperscalerParams) -> np.ndarray:
    """Annualised operating cash flow (EBITDA, before interest) of each provider, $B per year.

    ``4 (AI revenue - operating_cost_per_gw * capacity + non_ai_margin * non-AI revenue + other
    cash flow)``: what lenders look at.
    """
    p = providers
    ai_margin = p.ai_revenue - params.operating_cost_per_gw * p.capacity
    return 4.0 * (ai_margin + p.non_ai_revenue * params.non_ai_margin + p.other_cash_flow)


def fleet_depreciation(capacity_gw: np.ndarray | float, params: HyperscalerParams) -> np.ndarray:
    """Straight-line depreciation of installed AI capacity at cost, $B per year.

    ``capex_per_gw * capacity / hardware_life_years``: what separates EBIT from EBITDA for lenders.
    """
    return params.capex_per_gw * np.asarray(capacity_gw, dtype=float) / params.hardware_life_years


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
