"""Guided lessons: each a short text, a preset (scenario, rules, overrides, seed) and what to watch.

The lessons are data. The app offers them in its Lesson menu, and ``docs/lessons/`` is generated
from the same data::

    python -m computemarket.classroom.lessons docs/lessons

The numbers quoted in the texts are those of each lesson's seed; ``tests/classroom/test_lessons.py``
checks that the model still behaves as the texts say.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

LABS_SHORT_OF_CASH: Mapping[str, Any] = MappingProxyType(
    {"lab.training_revenue_share_mature": 0.6, "demand.cost_pass_through": 1.0}
)
"""Overrides of the lessons about deals: labs that do not mature (they keep spending 60% of revenue
on training) and pass cheaper compute on to their users keep burning cash, so they keep raising and
taking deals. With the defaults labs turn profitable after a few years and raise little."""
_SHORT_OF_CASH_TEXT = (
    " The labs of this lesson keep spending 60% of their revenue on training and pass cheaper "
    "compute on to their users, so they keep running short of cash and taking deals."
)


@dataclass(frozen=True)
class Lesson:
    """One guided lesson.

    Attributes:
        slug: Short identifier, used in file names (``docs/lessons/01-<slug>.md``).
        title: Title shown in the app's Lesson menu and as the page heading.
        text: The lesson itself, a few sentences of Markdown.
        scenario: Shipped scenario the lesson starts from.
        rules: Rules preset laid over the scenario.
        overrides: Dotted-path parameter overrides, applied last.
        seed: Seed of the run, so that the numbers quoted in the text are the ones shown.
        watch: What to watch for while the market runs.
        try_next: Changes to make next, and what they show.
    """

    slug: str
    title: str
    text: str
    scenario: str
    rules: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 1
    watch: tuple[str, ...] = ()
    try_next: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Frozen all the way down: a lesson is shared by every session of the app.
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    @property
    def number(self) -> int:
        """Position of the lesson in :data:`LESSONS`, from 1."""
        return LESSONS.index(self) + 1

    @property
    def label(self) -> str:
        """The lesson as it is listed in the app's Lesson menu."""
        return f"{self.number}. {self.title}"

    @property
    def file_name(self) -> str:
        """Name of the lesson's page in ``docs/lessons/``."""
        return f"{self.number:02d}-{self.slug}.md"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        slug="concentration",
        title="What concentration is, and how HHI measures it",
        text=(
            "A market is concentrated when a few firms make most of the sales. The "
            "Herfindahl-Hirschman Index (HHI) adds up the squares of every firm's market share in "
            "percent: a monopoly scores 100² = 10,000, and *n* equal firms score 10,000 / *n*, so "
            "seven equal clouds score about 1,429. Squaring weighs big firms heavily: the index "
            "rises when one firm pulls ahead even if no firm leaves. The US 2023 Merger Guidelines "
            "call a market above 1,800 *highly concentrated*; the chart also shades 1,000 to 1,800, "
            "*moderately concentrated*. This lesson starts seven identical clouds and six AI labs."
        ),
        scenario="classroom",
        rules="laissez-faire",
        overrides={"population.hyperscalers": 7},
        seed=1,
        watch=(
            "At quarter 0 the seven clouds share AI compute revenue equally: the cloud HHI is "
            "1,429, in the moderately concentrated band.",
            "Press ▶. Labs grow unequally and mostly stay with the cloud they started on, so the "
            "clouds of the successful labs pull ahead a little: the cloud HHI rises to about "
            "1,530 within the first year, then wanders as labs spread their compute over several "
            "clouds and as deals tie some labs to their investors (a peak of about 1,550 in the "
            "fifth year, about 1,490 at its end). It stays in the moderately "
            "concentrated band.",
            "The market-share chart shows who pulls ahead; the model-market HHI (labs' shares of "
            "what end users spend on AI) moves on its own.",
        ),
        try_next=(
            "Set **Clouds** to 3: three equal clouds start at 3,333, highly concentrated from the "
            "first quarter.",
            "Change the **Seed**: another cloud may pull ahead, but in none of the seeds 1 to 10 "
            "does the cloud HHI reach 1,800 within five years (the highest peak is about 1,790). "
            "Deals here are as rare as in the real market (about three a year) and seldom "
            "exclusive; with an exclusive deal every quarter (`--set offers.deals_per_year=12 "
            "--set offers.exclusivity_incidence=1` on the command line) it crosses 1,800 in five "
            "of the ten seeds.",
        ),
    ),
    Lesson(
        slug="lock-in",
        title="Switching costs and lock-in",
        text=(
            "Moving a workload to another cloud costs money: engineers rework the code, and the old "
            "provider charges an egress fee on the data that leaves. In the model the **switching "
            "cost** is a fraction of the spend that moves (this lesson starts it at 0), on top of "
            "a 5% egress fee. Labs compare clouds on price *including* that cost, so the higher it "
            "is, the more a lab stays where it is even when another cloud is cheaper: it is locked "
            "in. Deals add lock-in by contract: compute commitments (take-or-pay) and exclusivity."
            + _SHORT_OF_CASH_TEXT
        ),
        scenario="classroom",
        rules="laissez-faire",
        overrides={"rules.switching_cost": 0.0, **LABS_SHORT_OF_CASH},
        seed=1,
        watch=(
            "With free switching labs move about 11% of their compute between clouds each year "
            "(switching rate), and each buys about 40% of its compute away from its main cloud "
            "(largest-provider share about 59%).",
            "Locked-in spend, the part bought under a commitment or exclusivity, is small, about "
            "4%: deals are as rare as in the real market (about three a year) and seldom "
            "exclusive.",
        ),
        try_next=(
            "Set **Switching cost** to 0.5 (the market restarts; the dashed lines keep the run "
            "you had): each lab now buys 90% of its compute from one cloud (84% to 94% over seeds 1 "
            "to 10, against 56% to 68% with free switching). The switching rate falls less than "
            "you might expect, to 11% a year in this seed (from 13.1% to 8.8% on average over "
            "seeds 1 to 10): when its cloud is full, a lab still has to move, and about 9% of "
            "demand goes unserved here.",
            "Change the **Seed**: the deals signed differ, and with them the locked-in share "
            "(from about 1% to 15% over seeds 1 to 10). Lock-in by contract comes from the "
            "deals that happen to be signed, lock-in by switching cost from every lab at once.",
        ),
    ),
    Lesson(
        slug="circular-deals",
        title="Circular deals: in through the door, out through the window",
        text=(
            "When a cloud invests in an AI lab, the deal usually obliges the lab to buy compute "
            "from that cloud: a commitment worth a multiple of the investment (Amazon's 2026 deal "
            "with OpenAI: about 2.8 times). The money leaves through the door as investment and "
            "comes back through the window as the cloud's revenue. The model tags each investor's "
            "money and records when it comes back. The **round-trip ratio** is the share of all "
            "investment that has come back as the investor's own revenue; the **round-tripped "
            "share of AI revenue** is the part of the clouds' AI revenue that is their own money "
            "returning." + _SHORT_OF_CASH_TEXT
        ),
        scenario="classroom",
        rules="laissez-faire",
        overrides={"deals.commitment_multiple": 2.8, **LABS_SHORT_OF_CASH},
        seed=1,
        watch=(
            "The first deal comes in quarter 5, when a lab runs short of cash: ties appear in "
            "the deal network, a solid line for the money invested and a "
            "dashed one while compute is still due under the commitment. Deals are rare, as in "
            "the real market: about three a year, each of a size and on terms drawn from those "
            "of the 2023-2026 deals.",
            "In the money flow of the last four quarters each cloud's investment enters the labs "
            "on the left and its compute revenue leaves on the right, dark where it is the "
            "cloud's own money coming back.",
            "The round-trip ratio climbs to 100%: every dollar invested comes back as compute "
            "revenue; but with few deals only a few percent of the clouds' AI revenue is their "
            "own money (about 2% after ten years, up to 16% in the quarters after a deal).",
        ),
        try_next=(
            "Set **Commitment multiple** to 0 (equity without strings): the round-trip ratio "
            "stays at zero.",
            "Set it to 12: each deal now obliges the lab to buy twelve times the investment, and "
            "the locked-in share of the labs' compute spend rises from about 6% to 14% over the "
            "ten years (higher in each of the seeds 1 to 5). The labs keep up with the "
            "payments here: they raise money before they run out.",
        ),
    ),
    Lesson(
        slug="rules",
        title="The rules compared",
        text=(
            "Competition authorities can change the rules instead of picking winners. The **Rules "
            "preset** menu lays one regime over the market: *laissez-faire* (everything allowed), "
            "*no-tied-investment* (investment without compute commitments), *no-exclusivity*, "
            "*eu-data-act* (switching charges banned from 2027, as in the EU Data Act), "
            "*structural-separation* (no cloud equity in labs at all) and *merger-control* "
            "(acquisitions that push HHI over 1,800 blocked). This lesson uses the larger baseline "
            "market: four clouds and a neocloud, twenty labs of which two in-house. Run each regime "
            "for the same ten years with the same seed: when the market restarts, the dashed "
            "lines keep the previous run." + _SHORT_OF_CASH_TEXT
        ),
        scenario="baseline",
        rules="laissez-faire",
        overrides=LABS_SHORT_OF_CASH,
        seed=1,
        watch=(
            "Laissez-faire: about 13% of the labs' compute spend is locked in over the ten years, "
            "and all the clouds' investment has come back as revenue.",
            "no-tied-investment: the round-trip ratio stays at zero, yet in this seed about 12% "
            "of spend is locked in: some of the equity-only deals come with six years of "
            "exclusivity. Banning commitments does not ban exclusivity.",
            "no-exclusivity: the locked-in share hardly moves in this seed (about 12%): most "
            "lock-in here is commitments, not exclusivity.",
            "structural-separation: nothing is locked in, and the labs do not run short of "
            "capital: after ten years one more lab is active than under laissez-faire (23 "
            "against 22) and the model-market HHI is a little lower (about 840 against 880).",
        ),
        try_next=(
            "Compare *eu-data-act* with *laissez-faire*: the ban on switching charges starts in "
            "2027; watch the switching rate.",
            "Raise the **Seed** and run the comparison again: which differences hold in every "
            "seed? (Over seeds 1 to 6, separation leaves more labs active in four, as many in one "
            "and one fewer in the sixth; the model-market HHI is lower in five of the six.)",
        ),
    ),
)
"""The lessons, in the order they are taught."""


def find_lesson(key: str) -> Lesson:
    """The lesson with this slug or menu label.

    Args:
        key: A lesson's :attr:`~Lesson.slug` or :attr:`~Lesson.label`.

    Returns:
        The lesson.

    Raises:
        KeyError: If no lesson has that slug or label.
    """
    for lesson in LESSONS:
        if key in (lesson.slug, lesson.label):
            return lesson
    raise KeyError(f"no lesson {key!r} (lessons: {', '.join(x.slug for x in LESSONS)})")


def _toml_value(value: Any) -> str:
    """A parameter value as it is typed after ``--set KEY=``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_command(lesson: Lesson) -> str:
    """The ``computemarket run`` command that runs a lesson's preset without the app."""
    parts = ["computemarket run", lesson.scenario, f"--rules {lesson.rules}"]
    parts += [f"--set {path}={_toml_value(value)}" for path, value in lesson.overrides.items()]
    parts.append(f"--seed {lesson.seed}")
    return " ".join(parts)


def _bullets(items: Sequence[str]) -> list[str]:
    return [f"- {item}" for item in items]


def lesson_markdown(lesson: Lesson) -> str:
    """The page of one lesson in ``docs/lessons/``.

    Args:
        lesson: The lesson.

    Returns:
        Markdown text ending with a newline.
    """
    preset = [
        "| setting | value |",
        "|---|---|",
        f"| scenario | `{lesson.scenario}` |",
        f"| rules preset | `{lesson.rules}` |",
        *(f"| `{path}` | {_toml_value(value)} |" for path, value in lesson.overrides.items()),
        f"| seed | {lesson.seed} |",
    ]
    lines = [
        f"# Lesson {lesson.number}: {lesson.title}",
        "",
        "<!-- Generated from computemarket/classroom/lessons.py; edit it there, then run",
        "     python -m computemarket.classroom.lessons docs/lessons -->",
        "",
        lesson.text,
        "",
        "## Start",
        "",
        f"Start the app with `computemarket app` and choose **{lesson.label}** in the Lesson "
        "menu. It sets:",
        "",
        *preset,
        "",
        f"The same run without the app: `{run_command(lesson)}`.",
        "",
        "## Watch for",
        "",
        *_bullets(lesson.watch),
        "",
        "## Then try",
        "",
        *_bullets(lesson.try_next),
        "",
        "[All lessons](README.md) · [The classroom app](../classroom.md)",
    ]
    return "\n".join(lines) + "\n"


def index_markdown() -> str:
    """The index page ``docs/lessons/README.md``."""
    lines = [
        "# Lessons",
        "",
        "<!-- Generated from computemarket/classroom/lessons.py; edit it there, then run",
        "     python -m computemarket.classroom.lessons docs/lessons -->",
        "",
        "Guided lessons on how circular deals, switching costs and rules shape concentration and "
        "lock-in. Each is a short text, a preset and what to watch for. Choose one in the Lesson "
        "menu of the classroom app (`computemarket app`, see [the classroom app](../classroom.md)).",
        "",
        *(f"{x.number}. [{x.title}]({x.file_name})" for x in LESSONS),
    ]
    return "\n".join(lines) + "\n"


def lesson_pages() -> dict[str, str]:
    """Every page of ``docs/lessons/``, file name to Markdown text."""
    return {"README.md": index_markdown(), **{x.file_name: lesson_markdown(x) for x in LESSONS}}


def write_lesson_pages(folder: str | Path) -> list[Path]:
    """Write :func:`lesson_pages` into a folder (created if needed).

    Args:
        folder: Where to write, usually ``docs/lessons``.

    Returns:
        The paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in lesson_pages().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Write the lesson pages into the folder given as the only argument."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) != 1:
        print("usage: python -m computemarket.classroom.lessons FOLDER", file=sys.stderr)
        return 2
    for path in write_lesson_pages(arguments[0]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
