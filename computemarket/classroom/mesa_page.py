"""The model on Mesa's own SolaraViz page: what a Mesa user builds in a few lines, working as is.

Serve it with::

    solara run computemarket.classroom.mesa_page

(``computemarket app`` serves the classroom app, which is built from the same parts with lessons,
more charts and text alternatives.) The controls are model keywords by their dotted names, so
SolaraViz's Reset rebuilds :class:`~computemarket.ComputeMarket` from them like any Mesa model; the
plots are Mesa's ``make_plot_component`` over the model's DataCollector.
"""

from __future__ import annotations

from mesa.visualization import Slider, SolaraViz, make_plot_component

from computemarket.simulation.model import ComputeMarket

MODEL_PARAMS = {
    "market_scenario": "classroom",
    "rng": 1,
    "deals.commitment_multiple": Slider("Commitment multiple", 2.8, 0.0, 12.0, 0.2),
    "rules.switching_cost": Slider("Switching cost", 0.15, 0.0, 1.0, 0.05),
    "population.hyperscalers": Slider("Clouds", 3, 2, 7, 1),
}
"""SolaraViz's controls: fixed values and sliders, keyed by the model's keywords."""

COMPONENTS = [
    make_plot_component({"cloud_hhi": "tab:blue", "model_hhi": "tab:orange"}),
    make_plot_component({"locked_share": "tab:green", "roundtrip_ratio": "tab:red"}),
]
"""Mesa's plot components over the quarterly metrics."""

model = ComputeMarket(market_scenario="classroom", rng=1)
page = SolaraViz(model, components=COMPONENTS, model_params=MODEL_PARAMS, name="computemarket")
