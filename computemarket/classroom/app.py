r"""The classroom app: run the compute market live in a browser, with controls, charts and lessons.

Start it with ``computemarket app``, or ``solara run computemarket.classroom.app``; in Jupyter,
display :data:`page`. Each browser session gets its own model.

The page is built from Mesa's Solara visualization parts: the chart is a ``@solara.component``
that subscribes to Mesa's ``update_counter`` and is redrawn by ``force_update`` after each step, as
Mesa's custom components are. The charts sit in tabs, one in view at a time, big enough to read on a
1280 x 720 projector; only the chart in view is drawn after a step, on a figure kept from the step
before (:class:`~computemarket.classroom.charts.ChartFigure`). Under each chart its text
alternative gives the key numbers in words. The page does not use ``SolaraViz`` itself, for three reasons:
SolaraViz's parameter panel binds one input to one keyword of the model, reads it once, and shows
values that nothing but the user can change, whereas a lesson sets several parameters at once and
the controls must show them; its Reset is the only way to rebuild the model, whereas here a
control that changes the market restarts it; and ``page = SolaraViz(model)`` hands the same
model to every browser session until one presses Reset, whereas each session here builds its own.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from collections.abc import Callable

import markdown
import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from computemarket.classroom import charts
from computemarket.classroom.lessons import LESSONS, Lesson, find_lesson
from computemarket.classroom.settings import (
    CONTROLS,
    Control,
    Settings,
    build_model,
    describe,
    free_play,
    initial_settings,
    lesson_settings,
    with_rules,
    with_scenario,
    with_seed,
    with_value,
)
from computemarket.results.style import quarter_label as calendar_quarter
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.scenario import ScenarioError, list_rule_presets, list_scenarios

TITLE = "computemarket classroom"
FREE_PLAY = "Free play (no lesson)"
OWN_RULES = "(the scenario's own rules)"
DEFAULT_PAUSE_MS = 200
"""Pause between quarters while playing, in milliseconds."""


# ------------------------------------------------------------------------------------- charts
def chart_html(chart: charts.Chart, drawn: charts.Drawn) -> str:
    """A drawn chart as an HTML figure: the image, its text alternative, and its caption.

    The image is shown at its own size (no smaller than the page allows), so that its labels keep
    the size they were drawn at. The description is the image's ``alt`` text, read by screen
    readers, and its visible caption (hidden from screen readers, which have read it already).
    """
    data = base64.b64encode(drawn.png).decode("ascii")
    width, height = (round(inches * charts.DPI) for inches in charts.SIZE)
    text = html.escape(drawn.text)
    return (
        f'<figure class="computemarket-chart" data-chart="{chart.key}" '
        f'data-tick-px="{drawn.tick_px:.1f}" data-quarter="{drawn.quarter}" style="margin: 0">'
        f'<img src="data:image/png;base64,{data}" alt="{text}" width="{width}" '
        f'height="{height}" style="max-width: 100%; height: auto; display: block">'
        f'<figcaption aria-hidden="true" style="color: #444; font-size: 0.95em; '
        f'max-width: {width}px">{text}</figcaption></figure>'
    )


@solara.component
def ChartView(  # noqa: N802
    holder: charts.ChartFigure, model: ComputeMarket, previous: charts.PreviousRun | None
) -> None:
    """The chart in view, drawn again after each step of the model.

    Args:
        holder: The chart and its figure, kept for the session.
        model: The running model.
        previous: A run to draw dashed for comparison.
    """
    update_counter.get()
    drawn = solara.use_memo(
        lambda: holder.render(charts.live_run(model), previous),
        [holder, model, model.quarter, previous],
    )
    solara.HTML(tag="div", unsafe_innerHTML=chart_html(holder.chart, drawn))


@solara.component
def Charts(model: ComputeMarket, previous: charts.PreviousRun | None) -> None:  # noqa: N802
    """The charts in tabs; only the one in view is drawn."""
    holders = solara.use_memo(lambda: [charts.ChartFigure(c) for c in charts.CHARTS], [])
    tab = solara.use_reactive(0)
    with solara.lab.Tabs(value=tab):
        for chart in charts.CHARTS:
            solara.lab.Tab(chart.title)
    ChartView(holders[tab.value], model, previous)


# ------------------------------------------------------------------------------------- status
def quarter_label(model: ComputeMarket) -> str:
    """Where the run is, e.g. ``"Quarter 5 of 80 (2027Q2)"``."""
    return f"Quarter {model.quarter} of {4 * model.years} ({calendar_quarter(model.calendar_year)})"


def run_label(model: ComputeMarket, seed: int) -> str:
    """The parameters the running model was built with, read from the model itself."""
    p = model.params
    return (
        f"This run: {p.name} · rules: {p.rules_preset or 'own'} · "
        f"{p.population.hyperscalers} clouds, {p.population.labs} labs · "
        f"commitment multiple {p.deals.commitment_multiple:g} · "
        f"exclusivity {p.deals.exclusivity_quarters} quarters · "
        f"switching cost {p.rules.switching_cost:g} · seed {seed}"
    )


@solara.component
def Clock(model: ComputeMarket) -> None:  # noqa: N802
    """The quarter shown, beside the run buttons."""
    update_counter.get()
    solara.Text(quarter_label(model))


@solara.component
def Status(model: ComputeMarket, seed: int) -> None:  # noqa: N802
    """The quarter shown and the parameters of the run."""
    update_counter.get()
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(quarter_label(model), style={"font-weight": "bold"})
        solara.Text(run_label(model, seed), style={"color": "#555555", "font-size": "0.9em"})


def markdown_html(text: str) -> str:
    """Markdown of the app's own texts as HTML.

    Converted here rather than by ``solara.Markdown``, whose page script loads extra libraries
    (Mermaid, RequireJS) that the app does not need.
    """
    return markdown.markdown(text)


@solara.component
def LessonCard(lesson: Lesson | None) -> None:  # noqa: N802
    """The text of the lesson in force, or how to start one."""
    if lesson is None:
        solara.HTML(
            "div",
            unsafe_innerHTML=markdown_html(
                "Choose a **lesson** in the sidebar, or change the market with the controls and "
                "press **▶**. Every change restarts the market; the dashed lines keep the run you "
                "had."
            ),
        )
        return
    watch = "\n".join(f"- {item}" for item in lesson.watch)
    then = "\n".join(f"- {item}" for item in lesson.try_next)
    with solara.Card(f"Lesson {lesson.number}: {lesson.title}"):
        solara.HTML(
            "div",
            unsafe_innerHTML=markdown_html(
                f"{lesson.text}\n\n**Watch for**\n\n{watch}\n\n**Then try**\n\n{then}"
            ),
        )


# ------------------------------------------------------------------------------------ controls
@solara.component
def ControlSlider(control: Control, value: float, on_value: Callable[[float], None]) -> None:  # noqa: N802
    """A slider for one parameter: its label and value above it, its meaning as a tooltip."""
    slider = solara.SliderInt if control.is_integer else solara.SliderFloat
    with (
        solara.Tooltip(f"{control.doc} ({control.unit}; {control.path})"),
        solara.Column(gap="0px"),
    ):
        solara.Text(f"{control.label}: {value:g}", style={"font-size": "0.9em"})
        slider(
            "",
            value=value,
            min=control.low,
            max=control.high,
            step=control.step,
            on_value=on_value,
        )


@solara.component
def ClassroomApp(  # noqa: N802
    model: solara.Reactive[ComputeMarket] | None = None, start: Settings | None = None
) -> None:
    """The whole app: lessons, run buttons and controls in the sidebar; charts in the page.

    Args:
        model: A reactive variable holding the model, for tests that want to look at it; by default
            the app builds its own model for each session.
        start: Settings to open with; by default the classroom scenario with its own rules.
    """
    first = solara.use_memo(lambda: start if start is not None else initial_settings(), [])
    own_model = solara.use_memo(lambda: build_model(first) if model is None else None, [])
    market = solara.use_reactive(model if model is not None else own_model)
    settings = solara.use_reactive(first)  # what the controls show
    applied = solara.use_reactive(first)  # what the running model was built from
    previous = solara.use_reactive(None)
    error = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    pause_ms = solara.use_reactive(DEFAULT_PAUSE_MS)
    per_step = solara.use_reactive(1)  # quarters per Step and per frame of Play
    closed = solara.use_memo(threading.Event, [])
    solara.use_effect(lambda: closed.set, [])  # stops a playing loop when the session ends

    def restart(new: Settings) -> None:
        """Show the new settings and start the market again with them, if they are valid."""
        playing.set(False)
        settings.set(new)
        try:
            fresh = build_model(new)
        except (ScenarioError, ValueError) as err:
            error.set(f"Not applied: {err}")
            return
        error.set(None)
        old = market.value
        if old.quarter > 0:
            previous.set(charts.PreviousRun(describe(applied.value), charts.metrics_table(old)))
        applied.set(new)
        market.set(fresh)

    def advance(model: ComputeMarket) -> None:
        """Run the quarters of one step, then redraw (as Mesa's render interval does)."""
        for _ in range(per_step.value):
            if not model.running:
                break
            model.step()
        force_update()

    def step() -> None:
        if market.value.running:
            advance(market.value)

    def play() -> None:
        current = market.value
        while playing.value and current.running and not closed.is_set():
            time.sleep(pause_ms.value / 1000)
            if not playing.value or market.value is not current or closed.is_set():
                return
            advance(current)
        if not closed.is_set() and market.value is current:
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def choose_lesson(label: str | None) -> None:
        if label in (None, FREE_PLAY):
            restart(free_play(settings.value))
        else:
            restart(lesson_settings(find_lesson(label)))

    def choose_seed(seed: int | None) -> None:
        if seed is None:
            return
        try:
            restart(with_seed(settings.value, seed))
        except ValueError as err:
            error.set(f"Not applied: {err}")

    lesson = find_lesson(settings.value.lesson) if settings.value.lesson else None
    running = market.value.running

    with solara.AppBar():
        solara.AppBarTitle(TITLE)

    # The sidebar keeps Solara's width (400 px): Vue 2's drawer grows with its content, and a wider
    # one would cover the chart on a 1280 x 720 projector.
    with solara.Sidebar(), solara.Column(style={"width": "376px", "max-width": "376px"}):
        with solara.Card("Lesson"):
            solara.Select(
                "Lesson",
                value=lesson.label if lesson else FREE_PLAY,
                values=[FREE_PLAY, *(x.label for x in LESSONS)],
                on_value=choose_lesson,
            )
            LessonCard(lesson)
        with solara.Card("Run"):
            with solara.Row(justify="space-between"):
                solara.Button("Reset", color="primary", on_click=lambda: restart(settings.value))
                solara.Button(
                    "❚❚" if playing.value else "▶",
                    color="primary",
                    on_click=lambda: playing.set(not playing.value),
                    disabled=not running,
                )
                solara.Button(
                    "Step", color="primary", on_click=step, disabled=playing.value or not running
                )
            solara.Text(
                f"Pause between quarters: {pause_ms.value} ms", style={"font-size": "0.9em"}
            )
            solara.SliderInt("", value=pause_ms, min=0, max=1000, step=50)
            solara.Text(f"Quarters per step: {per_step.value}", style={"font-size": "0.9em"})
            solara.SliderInt("", value=per_step, min=1, max=8)
            Clock(market.value)
        with solara.Card("Market"):
            solara.Select(
                "Scenario",
                value=settings.value.scenario,
                values=list(list_scenarios()),
                on_value=lambda name: restart(with_scenario(settings.value, name)),
            )
            solara.Select(
                "Rules preset",
                value=settings.value.rules or OWN_RULES,
                values=[OWN_RULES, *list_rule_presets()],
                on_value=lambda name: restart(
                    with_rules(settings.value, None if name == OWN_RULES else name)
                ),
            )
            for control in CONTROLS:
                ControlSlider(
                    control,
                    settings.value.values[control.path],
                    lambda value, path=control.path: restart(
                        with_value(settings.value, path, value)
                    ),
                ).key(control.path)
            solara.InputInt("Seed", value=settings.value.seed, on_value=choose_seed)
            if error.value:
                solara.Error(error.value)

    with solara.Column(style={"padding-bottom": "24px"}):
        Status(market.value, applied.value.seed)
        Charts(market.value, previous.value)


page = ClassroomApp
"""The page ``solara run`` serves (Mesa's convention: a module-level ``page`` in ``app.py``)."""
