"""The app's widget tree, headless (solara.render, as Mesa tests SolaraViz): controls, steps, lessons."""

from __future__ import annotations

import gc
import time
import weakref

import ipyvuetify as v
import pytest
import solara
import solara.comm

from computemarket.classroom import app, settings
from computemarket.classroom.charts import CHARTS
from computemarket.classroom.lessons import LESSONS
from computemarket.simulation.metrics import HHI_HIGH
from computemarket.simulation.model import ComputeMarket


def render(model: solara.Reactive | None = None):
    """The app inside Solara's AppLayout, as `solara run` serves it (the sidebar needs the layout)."""
    _, rendered = solara.render(
        solara.AppLayout(children=[app.ClassroomApp(model=model)]), handle_error=False
    )
    return rendered


@pytest.fixture
def market():
    """The model of the app under test, held by the test so that it can look at it."""
    return solara.reactive(settings.build_model(settings.initial_settings()))


def click(rendered, label: str) -> None:
    rendered.find(v.Btn, children=[label]).widget.click()


def texts(rendered) -> list[str]:
    """Every line of plain text on the page (solara.Text)."""
    return [str(w.children[0]) for w in rendered.find(v.Html, tag="span").widgets if w.children]


def status(rendered) -> str:
    return next(text for text in texts(rendered) if text.startswith("This run:"))


def slider(rendered, label: str) -> v.Slider:
    """The slider of a control; the page starts with two sliders of its own (pause, quarters per step)."""
    position = [control.label for control in settings.CONTROLS].index(label)
    return rendered.find(v.Slider).widgets[2 + position]


def chart(rendered) -> str:
    """The HTML of the chart in view (one at a time: the charts are in tabs)."""
    shown = [
        w.unsafe_innerHTML
        for w in rendered.find(solara.widgets.HTML).widgets
        if "computemarket-chart" in (w.unsafe_innerHTML or "")
    ]
    assert len(shown) == 1
    return shown[0]


def choose_tab(rendered, index: int) -> None:
    rendered.find(v.Tabs).widget.v_model = index


def card_titles(rendered) -> list[str]:
    return [w.children[0] for w in rendered.find(v.CardTitle).widgets]


def type_seed(rendered, text: str) -> None:
    """Type a seed and press Enter (the field applies its value on Enter or when it loses focus)."""
    field = rendered.find(v.TextField, label="Seed").widget
    field.v_model = text
    field.fire_event("keyup.enter", None)


def end_session(rendered, comms_before: set) -> None:
    """Close the page as the Solara server does when a browser session ends.

    Headless, ``solara.render`` has no kernel: Solara keeps the stand-in comms of the widgets it
    made in a registry for debugging, and they hold the page's callbacks, so they are dropped here.
    """
    rendered.close()
    for comm in set(solara.comm.orphan_comm_stacks) - comms_before:
        del solara.comm.orphan_comm_stacks[comm]


def test_page_builds_its_own_model_and_frees_it_when_the_session_closes(monkeypatch):
    comms_before = set(solara.comm.orphan_comm_stacks)
    built: list[weakref.ref] = []
    original = app.build_model

    def recording(chosen):
        model = original(chosen)
        built.append(weakref.ref(model))
        return model

    monkeypatch.setattr(app, "build_model", recording)
    box, rendered = solara.render(solara.AppLayout(children=[app.page()]), handle_error=False)
    assert len(built) == 1 and isinstance(built[0](), ComputeMarket)
    assert built[0]().params.name == settings.DEFAULT_SCENARIO
    assert "Quarter 0 of 80 (2026Q1)" in texts(rendered)
    chart(rendered)
    click(rendered, "Step")
    assert built[0]().quarter == 1
    end_session(rendered, comms_before)
    del box, rendered  # the server drops the widgets and render context of a closed session
    gc.collect()
    assert built[0]() is None, "the page keeps its model alive after the session closed"


def test_step_advances_one_quarter_and_redraws_the_chart_in_view(market):
    rendered = render(market)
    before = chart(rendered)
    assert 'data-quarter="0"' in before
    click(rendered, "Step")
    assert market.value.quarter == 1
    assert len(market.value.datacollector.get_model_vars_dataframe()) == 2
    after = chart(rendered)
    assert 'data-quarter="1"' in after and after != before
    assert "Quarter 1 of 80 (2026Q2)" in texts(rendered)
    rendered.close()


def test_the_five_tabs_each_show_their_chart_with_its_text_alternative(market):
    rendered = render(market)
    click(rendered, "Step")
    tabs = [w.children[0] for w in rendered.find(v.Tab).widgets]
    assert tabs == [c.title for c in CHARTS]
    for index, shown in enumerate(CHARTS):
        choose_tab(rendered, index)
        figure = chart(rendered)
        assert f'data-chart="{shown.key}"' in figure and 'data-quarter="1"' in figure
        alt = figure.split('alt="', 1)[1].split('"', 1)[0]
        assert "2026Q2" in alt and any(ch.isdigit() for ch in alt.replace("2026Q2", ""))
    choose_tab(rendered, 1)
    hhi = market.value.datacollector.get_model_vars_dataframe()["cloud_hhi"].iloc[-1]
    assert hhi > HHI_HIGH  # three clouds, near-equal shares
    assert f"cloud HHI {hhi:,.0f}: highly concentrated" in chart(rendered)
    rendered.close()


def test_a_control_restarts_the_market_with_its_value(market):
    rendered = render(market)
    click(rendered, "Step")
    click(rendered, "Step")
    first = market.value
    slider(rendered, "Switching cost (share of moved spend)").v_model = 0.5
    assert market.value is not first and market.value.quarter == 0
    assert market.value.params.rules.switching_cost == 0.5
    assert "switching cost 0.5" in status(rendered)
    assert "Switching cost (share of moved spend): 0.5" in texts(rendered)
    slider(rendered, "Clouds").v_model = 5
    assert len(market.value.hyperscaler_list) == 5
    assert market.value.params.rules.switching_cost == 0.5  # the other controls keep their values
    rendered.close()


def test_scenario_rules_and_seed_controls_rebuild_the_model(market):
    rendered = render(market)
    rendered.find(v.Select, label="Scenario").widget.v_model = "baseline"
    assert market.value.params.name == "baseline"
    assert len(market.value.hyperscaler_list) == 5  # the baseline's own number of clouds
    assert "Clouds: 5" in texts(rendered)
    rendered.find(v.Select, label="Rules preset").widget.v_model = "no-exclusivity"
    assert market.value.params.rules_preset == "no-exclusivity"
    assert not market.value.params.rules.exclusivity
    type_seed(rendered, "7")
    assert "seed 7" in status(rendered)
    reference = ComputeMarket(market_scenario="baseline", rules="no-exclusivity", rng=7)
    assert market.value.labs.productivity.tolist() == reference.labs.productivity.tolist()
    rendered.close()


def test_invalid_settings_are_reported_and_the_running_model_is_kept(market):
    rendered = render(market)
    rendered.find(v.Select, label="Scenario").widget.v_model = "baseline"
    running = market.value
    slider(rendered, "Labs").v_model = 1  # fewer labs than the baseline's two in-house labs
    assert market.value is running
    alerts = rendered.find(v.Alert).widgets
    assert alerts and "in_house_labs" in str(alerts[0].children)
    assert "Labs: 1" in texts(rendered)  # the control shows what was asked for
    type_seed(rendered, "-3")
    assert market.value is running
    assert "seed" in str(rendered.find(v.Alert).widgets[0].children)
    rendered.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=[x.slug for x in LESSONS])
def test_choosing_a_lesson_applies_its_preset_and_shows_its_text(market, lesson):
    rendered = render(market)
    rendered.find(v.Select, label="Lesson").widget.v_model = lesson.label
    params = market.value.params
    assert (params.name, params.rules_preset) == (lesson.scenario, lesson.rules)
    for path, value in lesson.overrides.items():
        section, name = path.split(".")
        assert getattr(getattr(params, section), name) == value
    assert market.value.quarter == 0
    assert status(rendered).endswith(f"seed {lesson.seed}")
    title = f"Lesson {lesson.number}: {lesson.title}"
    assert title in card_titles(rendered)
    rendered.find(v.Select, label="Lesson").widget.v_model = app.FREE_PLAY
    assert title not in card_titles(rendered)
    assert market.value.params.name == lesson.scenario  # leaving a lesson keeps its controls
    rendered.close()


def test_play_runs_quarters_until_paused(market):
    rendered = render(market)
    rendered.find(v.Slider).widgets[0].v_model = 50  # ms between quarters
    click(rendered, "▶")
    deadline = time.monotonic() + 30
    while market.value.quarter < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # On a loaded machine the page may redraw after the model moved on: wait for the pause button.
    rendered.find(v.Btn, children=["❚❚"]).wait_for(timeout=20)
    click(rendered, "❚❚")
    # Once the play button is back the loop has stopped (a step under way may still finish).
    rendered.find(v.Btn, children=["▶"]).wait_for(timeout=20)
    time.sleep(0.3)
    reached = market.value.quarter
    assert 2 <= reached < 4 * market.value.years
    time.sleep(0.5)
    assert market.value.quarter == reached  # paused: no more quarters
    rendered.close()


def test_play_stops_at_the_horizon():
    market = solara.reactive(ComputeMarket(market_scenario="classroom", years=1, rng=1))
    rendered = render(market)
    rendered.find(v.Slider).widgets[0].v_model = 0
    click(rendered, "▶")
    deadline = time.monotonic() + 60
    while market.value.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert market.value.quarter == 4 * market.value.years
    # The page redraws after the model stops: on a loaded machine the play button may come back late.
    rendered.find(v.Btn, children=["▶"]).wait_for(timeout=20)
    rendered.find(v.Btn, children=["▶"]).assert_matches_wait(disabled=True, timeout=20)
    assert rendered.find(v.Btn, children=["Step"]).widget.disabled
    rendered.close()
