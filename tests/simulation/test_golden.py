"""Golden tables: every shipped scenario x every rules preset x 2 seeds, at full horizon.

A refactoring must keep these outputs bit for bit. A commit that changes them on purpose says why
and regenerates the pinned values in the same commit:

    .venv/bin/python tests/simulation/test_golden.py --update

On the CPU the values were pinned on (same numpy dispatch targets) the four tables must have the
same SHA-256 digests; on another CPU they must agree to 1e-9 (the project's promise across CPUs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from computemarket.simulation.runner import run
from computemarket.simulation.scenario import list_rule_presets, list_scenarios
from computemarket.testing import (
    cpu_features,
    fingerprint_mismatches,
    table_digest,
    table_fingerprint,
)

GOLDEN = Path(__file__).with_name("golden_tables.json")
TABLES = ("metrics", "agents", "ledger", "deals")
SEEDS = (1, 2)


def cases() -> list[tuple[str, str | None, int]]:
    """Every shipped scenario, with its own rules and under every preset, for each seed."""
    presets = [None, *list_rule_presets()]
    return [(s, p, seed) for s in list_scenarios() for p in presets for seed in SEEDS]


def case_id(scenario: str, preset: str | None, seed: int) -> str:
    return f"{scenario}|{preset or '-'}|{seed}"


def pin(scenario: str, preset: str | None, seed: int) -> dict:
    result = run(scenario, rules=preset, seed=seed)
    return {
        name: {
            "sha256": table_digest(getattr(result, name)),
            "fingerprint": table_fingerprint(getattr(result, name)),
        }
        for name in TABLES
    }


def load_golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_covers_every_shipped_case():
    assert sorted(load_golden()["runs"]) == sorted(case_id(*c) for c in cases())


@pytest.mark.parametrize(("scenario", "preset", "seed"), cases(), ids=lambda v: str(v))
def test_tables_match_golden(scenario, preset, seed):
    golden = load_golden()
    want = golden["runs"][case_id(scenario, preset, seed)]
    got = pin(scenario, preset, seed)
    same_cpu = golden["cpu_features"] == cpu_features()
    for name in TABLES:
        if same_cpu:
            assert got[name]["sha256"] == want[name]["sha256"], (
                f"{name} table of {case_id(scenario, preset, seed)} changed: "
                f"{fingerprint_mismatches(want[name]['fingerprint'], got[name]['fingerprint'], 0.0)[:5]}"
            )
        else:
            problems = fingerprint_mismatches(want[name]["fingerprint"], got[name]["fingerprint"])
            assert not problems, f"{name}: {problems[:5]}"


def update() -> None:
    runs = {case_id(*c): pin(*c) for c in cases()}
    # One line per run, so that a diff shows which runs changed.
    lines = [
        f"  {json.dumps(key)}: {json.dumps(runs[key], sort_keys=True)}" for key in sorted(runs)
    ]
    text = (
        f'{{"cpu_features": {json.dumps(cpu_features())},\n"runs": {{\n'
        + ",\n".join(lines)
        + "\n}}\n"
    )
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"pinned {len(runs)} runs into {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/simulation/test_golden.py --update")
    update()
