"""The commands the README and docs show are commands the program takes.

Every line of a fenced code block that starts with ``computemarket `` (a synopsis with ``[...]``
aside) must parse with the command line's own parser, and a shipped scenario, preset or
experiment it names must exist. Nothing is run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from computemarket import cli
from computemarket.experiments import list_experiments
from computemarket.simulation.scenario import list_rule_presets, list_scenarios

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
            lines = block.replace("\\\n", " ").splitlines()
            for line in lines:
                line = line.strip()
                if not line.startswith("computemarket ") or " [" in line:
                    continue
                command = re.split(r"\s+#\s", line)[0].strip()
                found.append((page.relative_to(ROOT).as_posix(), command))
    return found


COMMANDS = _commands()


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 40


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_a_documented_command_parses_and_names_what_ships(page, command):
    arguments = shlex.split(command)[1:]
    args = cli.build_parser().parse_args(arguments)
    if args.command == "run":
        assert args.scenario in list_scenarios() or args.scenario.endswith(".toml"), page
        assert args.rules is None or args.rules in list_rule_presets(), page
    if args.command == "sweep":
        assert args.experiment in list_experiments() or args.experiment.endswith(".toml"), page
