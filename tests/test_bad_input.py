"""Bad input to every subcommand, as a new user may type it: one line, exit 2, nothing written.

Each case runs ``computemarket.cli.main`` in this process, in an empty working folder that holds
copies of a real run folder and a real sweep folder and a few files of the user's. It asserts:
exit code 2; nothing on stdout; exactly one line on stderr, ``computemarket: error: ...``, that
names what was wrong; no traceback; and not a byte written, changed or deleted anywhere in the
working folder (hidden files included). Every case fails before any model runs, so the whole
corpus takes seconds.
"""

from __future__ import annotations

import json
import shutil
import socket
import textwrap
from pathlib import Path

import pytest

from computemarket import cli
from computemarket.options import MAX_YEARS
from computemarket.simulation.parameters import find_parameter
from computemarket.testing import folder_snapshot, sweep_synthetic

GRID = """
description = "a small grid for the bad-input corpus"
years = 2
seeds = 2
seed = 5
[factors]
"deals.commitment_multiple" = [0.0, 6.0]
"rules.switching_cost" = [0.0, 1.0]
[keep]
metrics = ["cloud_hhi", "locked_share"]
every = "quarter"
"""

FLAT = """
description = "no factors: one point, its seeds"
years = 1
seeds = 2
[keep]
metrics = ["cloud_hhi"]
"""

SCENARIO = """
description = "a user's scenario"
[population]
labs = 8
"""


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, Path]:
    """A real run folder and a real sweep folder, made once; each case works on copies."""
    root = tmp_path_factory.mktemp("originals")
    assert cli.main(["run", "classroom", "--years", "1", "--out", str(root / "run")]) == 0
    spec = root / "grid.toml"
    spec.write_text(textwrap.dedent(GRID), encoding="utf-8")
    report = sweep_synthetic(spec, root / "sweep")
    assert report.exit_code == 0
    flat = root / "flat.toml"
    flat.write_text(textwrap.dedent(FLAT), encoding="utf-8")
    report = sweep_synthetic(flat, root / "flat")
    assert report.exit_code == 0
    return {"run": root / "run", "sweep": root / "sweep", "flat": root / "flat", "spec": spec}


@pytest.fixture
def workspace(originals, tmp_path, monkeypatch, capsys) -> dict[str, str]:
    """The working folder of one case, and the names its arguments may use."""
    shutil.copytree(originals["run"], tmp_path / "run")
    shutil.copytree(originals["sweep"], tmp_path / "sweep")
    shutil.copytree(originals["flat"], tmp_path / "flat")
    shutil.copy(originals["spec"], tmp_path / "grid.toml")
    (tmp_path / "scenario.toml").write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("the user's notes", encoding="utf-8")
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "thesis.tex").write_text("precious", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "table-crossing.csv").mkdir()  # where summarize --csv table.csv puts its crossings
    (tmp_path / "latin1.toml").write_bytes(b'description = "caf\xe9"\n')
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "manifest.json").write_text(
        json.dumps({"format": "computemarket.validation/1"}), encoding="utf-8"
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text(json.dumps({"name": "x"}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{ not json", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    return {"tmp": str(tmp_path)}


# A case: (arguments, fragment of the message); files named "*.toml" that a case needs are written
# by FILES below before the snapshot, so writing them does not count.
FILES = {
    "bad-syntax.toml": "[population\nlabs = 3\n",
    "unknown-key.toml": "[population]\nlabz = 3\n",
    "unknown-section.toml": "[populations]\nlabs = 3\n",
    "wrong-type.toml": '[population]\nlabs = "many"\n',
    "out-of-range.toml": "[rules]\nswitching_cost = -1.0\n",
    "infinite.toml": "[rules]\nswitching_cost = inf\n",
    "too-few-labs.toml": "[population]\nlabs = 2\nin_house_labs = 3\n",
    "base-missing.toml": 'base = "nosuch"\n',
    "base-self.toml": 'base = "base-self.toml"\n',
    "unknown-owner.toml": '[[labs]]\nname = "L"\nowner = "Nobody"\nrevenue = 0.1\n',
    "description-number.toml": "description = 3\n",
    "rules-market.toml": "[rules]\nswitching_cost = 0.2\n[market]\nyears = 40\n",
    "rules-labs.toml": '[[labs]]\nname = "L"\n',
    "rules-unknown.toml": "[rules]\nswitching_cozt = 0.2\n",
    "rules-type.toml": '[rules]\nexclusivity = "yes"\n',
    "exp-no-description.toml": 'scenario = "baseline"\n',
    "exp-unknown-key.toml": 'description = "x"\nworkers = 3\n',
    "exp-bogus-factor.toml": 'description = "x"\n[factors]\n"bogus.x" = [1.0]\n',
    "exp-years-factor.toml": 'description = "x"\n[factors]\n"market.years" = [5, 10]\n',
    "exp-years-override.toml": 'description = "x"\n[overrides]\n"market.years" = 5\n',
    "exp-range-no-steps.toml": 'description = "x"\n[factors]\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
    "exp-duplicate-value.toml": 'description = "x"\n[factors]\n"rules.switching_cost" = [0.1, 0.1]\n',
    "exp-grid-samples.toml": 'description = "x"\n[design]\nsamples = 4\n',
    "exp-sobol-not-power.toml": 'description = "x"\n[design]\nsampler = "sobol"\nsamples = 5\n[factors]\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
    # 10^6 points x 10^4 seeds = 10^10 runs: refused before any table is made.
    "exp-huge.toml": 'description = "x"\nseeds = 10000\n[factors]\n'
    + "".join(
        f'"market.{name}" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n'
        for name in (
            "ai_revenue_growth",
            "ai_revenue_growth_long_run",
            "growth_decay_years",
            "non_ai_cloud_growth",
            "other_capex_growth",
            "demand_shock_year",
        )
    ),
    "exp-unknown-metric.toml": 'description = "x"\n[keep]\nmetrics = ["nope"]\n',
    "exp-bad-every.toml": 'description = "x"\n[keep]\nevery = "month"\n',
    "exp-bad-dtype.toml": 'description = "x"\n[keep]\ndtype = "float16"\n',
    "exp-bad-sampler.toml": 'description = "x"\n[design]\nsampler = "random"\n',
    "exp-sampler-array.toml": 'description = "x"\n[design]\nsampler = ["grid"]\n',
    "exp-sampler-table.toml": 'description = "x"\n[design]\nsampler = { name = "grid" }\n',
    "exp-dtype-array.toml": 'description = "x"\n[keep]\ndtype = ["float32"]\n',
    "exp-negative-seed.toml": 'description = "x"\nseed = -1\n',
    "exp-zero-seeds.toml": 'description = "x"\nseeds = 0\n',
    "exp-long.toml": 'description = "x"\nyears = 101\n',
    "exp-both-scenarios.toml": 'description = "x"\nscenario = "baseline"\n[factors]\nscenario = ["baseline", "classroom"]\n',
    "exp-bad-rules-factor.toml": 'description = "x"\n[factors]\nrules = ["nosuch"]\n',
    "exp-bad-point.toml": 'description = "x"\n[factors]\n"population.labs" = [1, 2]\n"population.in_house_labs" = [2]\n',
    "exp-syntax.toml": 'description = "x\n',
}

CASES: dict[str, tuple[list[str], str]] = {
    # ----------------------------------------------------------------------------- the program
    "no command": ([], "the following arguments are required: COMMAND"),
    "unknown command": (["nosuch"], "invalid choice: 'nosuch'"),
    "unknown option": (["--nosuch"], "the following arguments are required"),
    "a typo of run": (["rnu", "baseline"], "invalid choice: 'rnu'"),
    "scenarios with an argument": (["scenarios", "baseline"], "unrecognized arguments: baseline"),
    "scenarios with an option": (["scenarios", "--all"], "unrecognized arguments: --all"),
    "experiments with an argument": (["experiments", "x"], "unrecognized arguments: x"),
    "experiments with an option": (["experiments", "--long"], "unrecognized arguments: --long"),
    # ------------------------------------------------------------------------------------- run
    "run: no scenario": (["run"], "the following arguments are required: SCENARIO|FILE"),
    "run: two scenarios": (["run", "baseline", "classroom"], "unrecognized arguments: classroom"),
    "run: unknown scenario": (["run", "nosuch"], "unknown scenario 'nosuch'"),
    "run: empty scenario name": (["run", ""], "unknown scenario ''"),
    "run: unknown preset": (["run", "baseline", "--rules", "nosuch"], "unknown rules preset"),
    "run: missing file": (["run", "missing.toml"], "missing.toml: file not found"),
    "run: missing rules file": (
        ["run", "baseline", "--rules", "no.toml"],
        "no.toml: file not found",
    ),
    "run: a folder as file": (["run", "folder.toml"], "is a directory"),
    "run: a folder as rules": (["run", "baseline", "--rules", "folder.toml"], "is a directory"),
    "run: not UTF-8": (["run", "latin1.toml"], "cannot read file"),
    "run: TOML syntax": (["run", "bad-syntax.toml"], "TOML syntax error"),
    "run: unknown key": (["run", "unknown-key.toml"], "population.labz: unknown parameter"),
    "run: unknown section": (["run", "unknown-section.toml"], "populations: unknown section"),
    "run: wrong type": (["run", "wrong-type.toml"], "population.labs: expected an integer"),
    "run: out of range": (
        ["run", "out-of-range.toml"],
        "rules.switching_cost: -1.0 is out of range",
    ),
    "run: infinite": (["run", "infinite.toml"], "must be a finite number"),
    "run: inconsistent": (["run", "too-few-labs.toml"], "population.in_house_labs"),
    "run: unknown base": (["run", "base-missing.toml"], "unknown scenario 'nosuch'"),
    "run: base cycle": (["run", "base-self.toml"], "scenarios stacked"),
    "run: unknown owner": (["run", "unknown-owner.toml"], "labs[0].owner: unknown hyperscaler"),
    "run: description a number": (
        ["run", "description-number.toml"],
        "description: expected a string",
    ),
    "run: rules file with [market]": (
        ["run", "baseline", "--rules", "rules-market.toml"],
        "a rules preset holds only [rules]",
    ),
    "run: rules file with labs": (
        ["run", "baseline", "--rules", "rules-labs.toml"],
        "put [[labs]] in a scenario file",
    ),
    "run: rules file unknown key": (
        ["run", "baseline", "--rules", "rules-unknown.toml"],
        "rules.switching_cozt",
    ),
    "run: rules file wrong type": (
        ["run", "baseline", "--rules", "rules-type.toml"],
        "expected true or false",
    ),
    "run: --set without =": (
        ["run", "baseline", "--set", "rules.switching_cost"],
        "expected KEY=VALUE",
    ),
    "run: --set without key": (["run", "baseline", "--set", "=3"], "expected KEY=VALUE"),
    "run: --set without value": (
        ["run", "baseline", "--set", "rules.switching_cost="],
        "expected KEY=VALUE",
    ),
    "run: --set unknown section": (
        ["run", "baseline", "--set", "nosuch.x=1"],
        "unknown parameter path",
    ),
    "run: --set unknown parameter": (
        ["run", "baseline", "--set", "rules.nosuch=1"],
        "rules.nosuch: unknown parameter",
    ),
    "run: --set no section": (["run", "baseline", "--set", "labs=3"], "unknown parameter path"),
    "run: --set too deep": (
        ["run", "baseline", "--set", "rules.a.b.c=3"],
        "unknown parameter path",
    ),
    "run: --set unknown firm": (
        ["run", "calibrated-2025", "--set", "hyperscalers.Nope.cash=1"],
        "no firm 'Nope'",
    ),
    "run: --set firm index": (
        ["run", "calibrated-2025", "--set", "labs.99.revenue=1"],
        "no firm '99'",
    ),
    "run: --set firm index a superscript": (
        ["run", "calibrated-2025", "--set", "labs.\u00b2.revenue=1"],
        "no firm '\u00b2'",
    ),
    "run: --set firm index not ASCII": (
        ["run", "calibrated-2025", "--set", "labs.\u0663.revenue=1"],
        "no firm '\u0663'",
    ),
    "run: --set firm field": (
        ["run", "calibrated-2025", "--set", "labs.0.budget=1"],
        "labs.0.budget: unknown parameter",
    ),
    "run: --set twice": (
        [
            "run",
            "baseline",
            "--set",
            "rules.switching_cost=0.3",
            "--set",
            "rules.switching_cost=0.5",
        ],
        "given twice",
    ),
    "run: --set one firm by index and by name": (
        [
            "run",
            "calibrated-2025",
            "--set",
            "labs.0.revenue=0.5",
            "--set",
            "labs.OpenAI.revenue=0.6",
        ],
        "--set labs.OpenAI.revenue: given twice (as labs.0.revenue)",
    ),
    "run: --set wrong type": (
        ["run", "baseline", "--set", "population.labs=many"],
        "expected an integer, got 'many'",
    ),
    "run: --set bool for number": (
        ["run", "baseline", "--set", "rules.switching_cost=true"],
        "expected a number",
    ),
    "run: --set number for bool": (
        ["run", "baseline", "--set", "rules.exclusivity=1"],
        "expected true or false",
    ),
    "run: --set fraction for integer": (
        ["run", "baseline", "--set", "population.labs=2.5"],
        "expected an integer, got 2.5",
    ),
    "run: --set nan": (
        ["run", "baseline", "--set", "rules.switching_cost=nan"],
        "must be a finite number",
    ),
    "run: --set inf": (
        ["run", "baseline", "--set", "market.ai_revenue=inf"],
        "must be a finite number",
    ),
    "run: --set negative": (["run", "baseline", "--set", "population.labs=-5"], "out of range"),
    "run: --set too many labs": (
        ["run", "baseline", "--set", "population.labs=1000000"],
        "out of range",
    ),
    "run: --set huge integer": (
        ["run", "baseline", "--set", f"population.labs={10**400}"],
        "out of range",
    ),
    "run: --set huge float": (
        ["run", "baseline", "--set", f"market.ai_revenue={10**400}"],
        "out of range",
    ),
    "run: --set bad choice": (
        ["run", "calibrated-2025", "--set", "labs.0.provider=Nobody"],
        "labs[0].provider: unknown hyperscaler",
    ),
    "run: --years 0": (["run", "baseline", "--years", "0"], "expected an integer from 1 to 100"),
    "run: --years 101": (["run", "baseline", "--years", "101"], "got 101"),
    "run: --years x": (["run", "baseline", "--years", "x"], "got 'x'"),
    "run: --years 1.5": (["run", "baseline", "--years", "1.5"], "got '1.5'"),
    "run: --years missing": (["run", "baseline", "--years"], "expected one argument"),
    "run: --seed -1": (["run", "baseline", "--seed", "-1"], "non-negative integer"),
    "run: --seed x": (["run", "baseline", "--seed", "x"], "non-negative integer"),
    "run: --seed 1.5": (["run", "baseline", "--seed", "1.5"], "non-negative integer"),
    "run: --out a file": (
        ["run", "classroom", "--out", "notes.txt"],
        "exists and is not a folder",
    ),
    "run: --out under a file": (
        ["run", "classroom", "--out", "notes.txt/run"],
        "is a file, not a folder",
    ),
    "run: --out a folder of other files": (
        ["run", "classroom", "--out", "thesis"],
        "holds files that are not a run's",
    ),
    "run: --out the working folder": (
        ["run", "classroom", "--out", "."],
        "holds files that are not a run's",
    ),
    "run: --out a sweep": (["run", "classroom", "--out", "sweep"], "holds a sweep"),
    "run: --out a validation": (["run", "classroom", "--out", "validation"], "holds a validation"),
    "run: --out an unreadable manifest": (
        ["run", "classroom", "--out", "broken"],
        "holds files that are not a run's",
    ),
    "run: --out in /proc": (
        ["run", "classroom", "--out", "/proc/computemarket-run"],
        "cannot write in /proc",
    ),
    "run: --out the root": (["run", "classroom", "--out", "/"], "root of the file system"),
    # ----------------------------------------------------------------------------------- sweep
    "sweep: no experiment": (["sweep"], "the following arguments are required: SPEC|NAME"),
    "sweep: unknown experiment": (["sweep", "nope"], "unknown experiment 'nope'"),
    "sweep: missing file": (["sweep", "nope.toml"], "nope.toml: file not found"),
    "sweep: TOML syntax": (["sweep", "exp-syntax.toml"], "TOML syntax error"),
    "sweep: no description": (
        ["sweep", "exp-no-description.toml"],
        "description: expected a one-line string",
    ),
    "sweep: unknown key": (["sweep", "exp-unknown-key.toml"], "workers: unknown key"),
    "sweep: unknown factor": (
        ["sweep", "exp-bogus-factor.toml"],
        "factors.bogus.x: unknown parameter path",
    ),
    "sweep: a years factor": (
        ["sweep", "exp-years-factor.toml"],
        "factors.market.years: the horizon is the experiment's `years`",
    ),
    "sweep: a years override": (
        ["sweep", "exp-years-override.toml"],
        "write `years = N` at the top",
    ),
    "sweep: range without steps": (["sweep", "exp-range-no-steps.toml"], "needs steps"),
    "sweep: duplicate value": (["sweep", "exp-duplicate-value.toml"], "duplicate value 0.1"),
    "sweep: samples on a grid": (
        ["sweep", "exp-grid-samples.toml"],
        "a grid design takes no samples",
    ),
    "sweep: sobol not a power of 2": (["sweep", "exp-sobol-not-power.toml"], "not a power of 2"),
    "sweep: 10^10 runs": (
        ["sweep", "exp-huge.toml"],
        "10,000,000,000 runs (points x seeds) is more than one sweep holds",
    ),
    "sweep: unknown metric": (
        ["sweep", "exp-unknown-metric.toml"],
        "keep.metrics[0]: unknown metric 'nope'",
    ),
    "sweep: bad keep.every": (["sweep", "exp-bad-every.toml"], "keep.every: 'month' is not one of"),
    "sweep: bad dtype": (["sweep", "exp-bad-dtype.toml"], "keep.dtype"),
    "sweep: bad sampler": (["sweep", "exp-bad-sampler.toml"], "design.sampler: 'random'"),
    "sweep: sampler an array": (
        ["sweep", "exp-sampler-array.toml"],
        "design.sampler: expected a string, one of grid",
    ),
    "sweep: sampler a table": (
        ["sweep", "exp-sampler-table.toml"],
        "design.sampler: expected a string, one of grid",
    ),
    "sweep: dtype an array": (
        ["sweep", "exp-dtype-array.toml"],
        "keep.dtype: expected a string, one of float32, float64",
    ),
    "sweep: negative seed": (["sweep", "exp-negative-seed.toml"], "seed: -1 is out of range"),
    "sweep: zero seeds": (["sweep", "exp-zero-seeds.toml"], "seeds: 0 is out of range"),
    "sweep: 101 years": (["sweep", "exp-long.toml"], "years: 101 is out of range"),
    "sweep: scenario twice": (["sweep", "exp-both-scenarios.toml"], "scenario: also a factor"),
    "sweep: unknown preset factor": (
        ["sweep", "exp-bad-rules-factor.toml"],
        "unknown rules preset 'nosuch'",
    ),
    "sweep: a point that cannot run": (
        ["sweep", "exp-bad-point.toml", "--out", "new"],
        "design point 0",
    ),
    "sweep: --workers 0": (
        ["sweep", "grid.toml", "--workers", "0"],
        "--workers: expected an integer from 1 to 1024, got 0",
    ),
    "sweep: --workers x": (
        ["sweep", "grid.toml", "--workers", "x"],
        "--workers: expected an integer from 1 to 1024",
    ),
    "sweep: --workers 1025": (
        ["sweep", "grid.toml", "--out", "new", "--workers", "1025"],
        "--workers: expected an integer from 1 to 1024, got 1025",
    ),
    "sweep: --workers 2^31": (
        ["sweep", "grid.toml", "--out", "new", "--workers", "2147483648"],
        "--workers: expected an integer from 1 to 1024, got 2147483648",
    ),
    "sweep: --workers 10^20": (
        ["sweep", "grid.toml", "--out", "new", "--workers", "99999999999999999999"],
        "--workers: expected an integer from 1 to 1024, got 99999999999999999999",
    ),
    "sweep: --dask-local --workers 2^31": (
        ["sweep", "grid.toml", "--out", "new", "--dask-local", "--workers", "2147483648"],
        "--workers: expected an integer from 1 to 1024, got 2147483648",
    ),
    "sweep: --limit 0": (
        ["sweep", "grid.toml", "--out", "new", "--limit", "0"],
        "--limit: expected a positive integer, got 0",
    ),
    "sweep: --limit -5": (
        ["sweep", "grid.toml", "--out", "new", "--limit", "-5"],
        "--limit: expected a positive integer",
    ),
    "sweep: --chunk 0": (
        ["sweep", "grid.toml", "--out", "new", "--chunk", "0"],
        "--chunk: expected a positive integer, got 0",
    ),
    "sweep: --chunk -1": (
        ["sweep", "grid.toml", "--out", "new", "--chunk", "-1"],
        "--chunk: expected a positive integer",
    ),
    "sweep: --years 0": (
        ["sweep", "grid.toml", "--years", "0"],
        "--years: expected an integer from 1 to 100",
    ),
    "sweep: --years x": (["sweep", "grid.toml", "--years", "x"], "--years"),
    "sweep: --seeds 0": (
        ["sweep", "grid.toml", "--seeds", "0"],
        "--seeds: expected a positive integer",
    ),
    "sweep: --seeds too many": (
        ["sweep", "grid.toml", "--seeds", "300000"],
        "seeds: 300000 is out of range",
    ),
    "sweep: --scheduler not a url": (
        ["sweep", "grid.toml", "--out", "new", "--scheduler", "not a url"],
        "--scheduler 'not a url': not a scheduler address",
    ),
    "sweep: --scheduler no port": (
        ["sweep", "grid.toml", "--out", "new", "--scheduler", "tcp://10.0.0.5"],
        "not a scheduler address",
    ),
    "sweep: --scheduler http": (
        ["sweep", "grid.toml", "--out", "new", "--scheduler", "http://host:8786"],
        "unknown scheme 'http'",
    ),
    "sweep: --scheduler and --dask-local": (
        ["sweep", "grid.toml", "--scheduler", "tcp://h:1", "--dask-local"],
        "not allowed with argument",
    ),
    "sweep: --scheduler and --workers": (
        ["sweep", "grid.toml", "--out", "new", "--scheduler", "tcp://h:1", "--workers", "2"],
        "a Dask scheduler has its own workers",
    ),
    "sweep: --resume and --overwrite": (
        ["sweep", "grid.toml", "--resume", "--overwrite"],
        "not allowed with argument",
    ),
    "sweep: --retry-failed alone": (
        ["sweep", "grid.toml", "--out", "new", "--retry-failed"],
        "--retry-failed: only with --resume",
    ),
    "sweep: --out a file": (
        ["sweep", "grid.toml", "--out", "notes.txt"],
        "exists and is not a folder",
    ),
    "sweep: --out under a file": (
        ["sweep", "grid.toml", "--out", "notes.txt/x"],
        "is a file, not a folder",
    ),
    "sweep: --out a run": (["sweep", "grid.toml", "--out", "run"], "holds a run"),
    "sweep: --out a validation": (
        ["sweep", "grid.toml", "--out", "validation"],
        "holds a validation",
    ),
    "sweep: --out a folder of other files": (
        ["sweep", "grid.toml", "--out", "thesis"],
        "holds files that are not a sweep's",
    ),
    "sweep: --out the working folder": (
        ["sweep", "grid.toml", "--out", "."],
        "holds files that are not a sweep's",
    ),
    "sweep: --out in /proc": (["sweep", "grid.toml", "--out", "/proc/x"], "cannot write in /proc"),
    "sweep: into a sweep without a flag": (
        ["sweep", "grid.toml", "--out", "sweep"],
        "already holds a sweep (8 runs done)",
    ),
    "sweep: resume another experiment": (
        ["sweep", "commitment-vs-switching", "--out", "sweep", "--resume"],
        "holds a different experiment",
    ),
    "sweep: resume with other seeds": (
        ["sweep", "grid.toml", "--out", "sweep", "--resume", "--seeds", "3"],
        "differs in: seeds",
    ),
    # ------------------------------------------------------------------------------- summarize
    "summarize: no folder": (["summarize"], "the following arguments are required: DIR"),
    "summarize: missing folder": (["summarize", "missing"], "missing: no such folder"),
    "summarize: a file": (["summarize", "notes.txt"], "is not a folder"),
    "summarize: an empty folder": (["summarize", "empty"], "not a sweep folder"),
    "summarize: a run": (["summarize", "run"], "format: expected a computemarket sweep manifest"),
    "summarize: another manifest": (
        ["summarize", "other"],
        "format: expected a computemarket sweep manifest",
    ),
    "summarize: a broken manifest": (["summarize", "broken"], "not a readable manifest"),
    "summarize: unknown metric": (
        ["summarize", "sweep", "--metric", "nope"],
        "metric 'nope' is not in this sweep",
    ),
    "summarize: --year elapsed": (
        ["summarize", "sweep", "--year", "2"],
        "expected a calendar year such as 2030",
    ),
    "summarize: --year nan": (["summarize", "sweep", "--year", "nan"], "expected a finite number"),
    "summarize: --year inf": (["summarize", "sweep", "--year", "inf"], "expected a finite number"),
    "summarize: --year x": (["summarize", "sweep", "--year", "x"], "expected a number, got 'x'"),
    "summarize: --year outside": (
        ["summarize", "sweep", "--year", "2046"],
        "--year 2046: the runs cover the calendar years 2026 to 2028",
    ),
    "summarize: --year between quarters": (
        ["summarize", "sweep", "--year", "2027.1"],
        "--year 2027.1",
    ),
    "summarize: --after negative": (
        ["summarize", "sweep", "--after", "-1"],
        "expected years from the start, >= 0",
    ),
    "summarize: --after outside": (
        ["summarize", "sweep", "--after", "20"],
        "--after 20: expected years from the start in quarters",
    ),
    "summarize: --after huge": (
        ["summarize", "sweep", "--after", "1e308"],
        "--after: expected years from the start, 0 to 100 (the longest horizon), got '1e308'",
    ),
    "summarize: --after past the longest horizon": (
        ["summarize", "sweep", "--after", "5e307"],
        "0 to 100 (the longest horizon), got '5e307'",
    ),
    "summarize: --after not a quarter": (["summarize", "sweep", "--after", "0.3"], "--after 0.3"),
    "summarize: --year and --after": (
        ["summarize", "sweep", "--year", "2027", "--after", "1"],
        "not allowed with argument",
    ),
    "summarize: bad threshold": (
        ["summarize", "sweep", "--threshold", "cloud_hhi=3"],
        "expected METRIC>VALUE",
    ),
    "summarize: threshold infinite": (
        ["summarize", "sweep", "--threshold", "cloud_hhi>1e999"],
        "--threshold 'cloud_hhi>1e999': expected a finite VALUE",
    ),
    "summarize: threshold of a firm not kept": (
        ["summarize", "sweep", "--threshold", "cloud_share[Google Cloud]>0.1"],
        "metric 'cloud_share[Google Cloud]' is not in this sweep",
    ),
    "summarize: threshold of no metric": (
        ["summarize", "sweep", "--threshold", "nope>3"],
        "metric 'nope' is not in this sweep",
    ),
    "summarize: --confidence 0": (
        ["summarize", "sweep", "--confidence", "0"],
        "expected a number between 0 and 1",
    ),
    "summarize: --confidence 1.5": (
        ["summarize", "sweep", "--confidence", "1.5"],
        "between 0 and 1",
    ),
    "summarize: --confidence nan": (["summarize", "sweep", "--confidence", "nan"], "finite"),
    "summarize: --confidence x": (["summarize", "sweep", "--confidence", "x"], "expected a number"),
    "summarize: --csv in a missing folder": (
        ["summarize", "sweep", "--csv", "nodir/x.csv"],
        "its folder nodir does not exist",
    ),
    "summarize: --csv a folder": (
        ["summarize", "sweep", "--csv", "empty"],
        "expected a file name ending in .csv",
    ),
    "summarize: --csv a folder named .csv": (
        ["summarize", "sweep", "--csv", "folder.csv"],
        "folder.csv is a folder, not a file",
    ),
    "summarize: --csv not .csv": (["summarize", "sweep", "--csv", "table.txt"], "ending in .csv"),
    "summarize: a folder where a second table goes": (
        ["summarize", "sweep", "--csv", "table.csv", "--threshold", "cloud_hhi>1800"],
        "table-crossing.csv: is a folder, not a file",
    ),
    "summarize: --csv under a file": (
        ["summarize", "sweep", "--csv", "notes.txt/x.csv"],
        "is a file, not a folder",
    ),
    "summarize: --versus no =": (
        ["summarize", "sweep", "--versus", "rules"],
        "expected FACTOR=VALUE",
    ),
    "summarize: --versus unknown factor": (
        ["summarize", "sweep", "--versus", "rules=laissez-faire"],
        "not a factor of this sweep",
    ),
    "summarize: --versus no such value": (
        ["summarize", "sweep", "--versus", "rules.switching_cost=0.7"],
        "rules.switching_cost=0.7: no such value (values: 0.0, 1.0)",
    ),
    "summarize: --after twice": (
        ["summarize", "sweep", "--after", "1", "1"],
        "--after 1: given twice",
    ),
    "summarize: second --versus bad": (
        ["summarize", "sweep", "--versus", "rules.switching_cost=0", "--versus", "nope"],
        "expected FACTOR=VALUE",
    ),
    # ----------------------------------------------------------------------------- sensitivity
    "sensitivity: no metric": (
        ["sensitivity", "sweep"],
        "the following arguments are required: --metric",
    ),
    "sensitivity: missing folder": (
        ["sensitivity", "missing", "--metric", "cloud_hhi"],
        "no such folder",
    ),
    "sensitivity: a run": (
        ["sensitivity", "run", "--metric", "cloud_hhi"],
        "format: expected a computemarket sweep manifest",
    ),
    "sensitivity: a grid": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi"],
        "sensitivity needs a sweep made with the saltelli",
    ),
    "sensitivity: unknown metric": (
        ["sensitivity", "sweep", "--metric", "nope"],
        "metric 'nope' is not in this sweep",
    ),
    "sensitivity: --year elapsed": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--year", "1"],
        "expected a calendar year",
    ),
    "sensitivity: --after outside": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--after", "5"],
        "--after 5",
    ),
    "sensitivity: --after huge": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--after", "1e308"],
        "0 to 100 (the longest horizon)",
    ),
    "sensitivity: --confidence 2": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--confidence", "2"],
        "between 0 and 1",
    ),
    "sensitivity: --csv in a missing folder": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--csv", "nodir/s.csv"],
        "does not exist",
    ),
    # -------------------------------------------------------------------------------- discover
    "discover: no folder": (["discover"], "the following arguments are required: DIR, --metric"),
    "discover: no metric": (
        ["discover", "sweep", "--above", "1800"],
        "the following arguments are required: --metric",
    ),
    "discover: no threshold": (
        ["discover", "sweep", "--metric", "cloud_hhi"],
        "one of the arguments --above --below is required",
    ),
    "discover: both sides": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1", "--below", "2"],
        "argument --below: not allowed with argument --above",
    ),
    "discover: threshold not a number": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "high"],
        "--above: expected a number, got 'high'",
    ),
    "discover: threshold nan": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--below", "nan"],
        "--below: expected a finite number",
    ),
    "discover: missing folder": (
        ["discover", "missing", "--metric", "cloud_hhi", "--above", "1800"],
        "missing: no such folder",
    ),
    "discover: a run": (
        ["discover", "run", "--metric", "cloud_hhi", "--above", "1800"],
        "format: expected a computemarket sweep manifest",
    ),
    "discover: unknown metric": (
        ["discover", "sweep", "--metric", "nope", "--above", "1800"],
        "metric 'nope' is not in this sweep (kept: cloud_hhi, locked_share)",
    ),
    "discover: a sweep without factors": (
        ["discover", "flat", "--metric", "cloud_hhi", "--above", "1800"],
        "flat: the sweep has no factors; discover finds the factor values",
    ),
    "discover: no run crosses": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "20000"],
        "no run of 8 is above 20000 in cloud_hhi at the horizon (2 years in) (it ranges from",
    ),
    "discover: every run crosses": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--below", "20000"],
        "every run of 8 is below 20000 in cloud_hhi",
    ),
    "discover: every run above": (
        ["discover", "sweep", "--metric", "locked_share", "--above", "-1"],
        "every run of 8 is above -1 in locked_share",
    ),
    "discover: --year outside": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1800", "--year", "2040"],
        "--year 2040: the runs cover the calendar years 2026 to 2028",
    ),
    "discover: --after not kept": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1800", "--after", "0.3"],
        "--after 0.3",
    ),
    "discover: --after huge": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1800", "--after", "1e308"],
        "0 to 100 (the longest horizon)",
    ),
    "discover: --year and --after": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--year", "2027", "--after", "1"],
        "not allowed with argument",
    ),
    "discover: --box negative": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1800", "--box", "-1"],
        "--box: expected a non-negative integer",
    ),
    "discover: --box off the trajectory": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1700", "--box", "99"],
        "--box 99: the peeling trajectory has boxes 0 to",
    ),
    "discover: --format pdf": (
        ["discover", "sweep", "--metric", "cloud_hhi", "--above", "1800", "--format", "pdf"],
        "invalid choice: 'pdf'",
    ),
    "sensitivity: --versus not FACTOR=VALUE": (
        ["sensitivity", "sweep", "--metric", "cloud_hhi", "--versus", "rules"],
        "expected FACTOR=VALUE",
    ),
    # ------------------------------------------------------------------------------------ plot
    "plot: no folder": (["plot"], "the following arguments are required: DIR"),
    "plot: sweep, no decomposition": (
        ["plot", "sweep", "--kind", "decomposition"],
        "--kind decomposition: needs a sweep of arms",
    ),
    "plot: sweep, --versus unknown factor": (
        ["plot", "sweep", "--versus", "scenario=x"],
        "--versus scenario: not a factor of this sweep",
    ),
    "plot: run, --versus": (
        ["plot", "run", "--versus", "scenario=x"],
        "--versus: only for a sweep",
    ),
    "plot: missing folder": (["plot", "missing"], "no such folder"),
    "plot: a file": (["plot", "notes.txt"], "is not a folder"),
    "plot: an empty folder": (["plot", "empty"], "no manifest.json"),
    "plot: another manifest": (["plot", "other"], "its manifest.json has neither"),
    "plot: a broken manifest": (["plot", "broken"], "unreadable manifest"),
    "plot: a validation": (["plot", "validation"], "its manifest.json has neither"),
    "plot: run, a sweep kind": (
        ["plot", "run", "--kind", "heatmap"],
        "--kind 'heatmap': not a figure of a run",
    ),
    "plot: sweep, a run kind": (
        ["plot", "sweep", "--kind", "money-flow"],
        "not a figure of a sweep",
    ),
    "plot: sweep, no sensitivity": (
        ["plot", "sweep", "--kind", "sensitivity"],
        "needs a saltelli or morris design",
    ),
    "plot: unknown kind": (["plot", "run", "--kind", "pie"], "--kind 'pie'"),
    "plot: run, year before": (
        ["plot", "run", "--year", "1999"],
        "money flows cover calendar years 2026 to 2027",
    ),
    "plot: run, year a quarter": (
        ["plot", "run", "--year", "2026.5"],
        "expected a whole calendar year for a run",
    ),
    "plot: run, --after outside": (
        ["plot", "run", "--after", "9"],
        "--after 9: expected years from the start",
    ),
    "plot: run, --after huge": (["plot", "run", "--after", "1e308"], "0 to 100"),
    "plot: sweep, --after huge": (["plot", "sweep", "--after", "1e308"], "0 to 100"),
    "plot: run, quarter outside": (
        ["plot", "run", "--quarter", "99"],
        "quarter 99: the run has quarters 0 to 4",
    ),
    "plot: run, quarter negative": (
        ["plot", "run", "--quarter", "-1"],
        "--quarter: expected a non-negative integer",
    ),
    "plot: run, a factor": (["plot", "run", "--factor", "rules"], "--factor: only for a sweep"),
    "plot: run, a metric": (["plot", "run", "--metric", "cloud_hhi"], "--metric: only for a sweep"),
    "plot: run, a threshold": (
        ["plot", "run", "--threshold", "cloud_hhi>1800"],
        "--threshold: only for a sweep",
    ),
    "plot: sweep, a quarter": (["plot", "sweep", "--quarter", "3"], "--quarter: only for a run"),
    "plot: sweep, unknown factor": (
        ["plot", "sweep", "--kind", "heatmap", "--factor", "nosuch"],
        "--factor 'nosuch': not a factor of this sweep",
    ),
    "plot: sweep, unknown metric": (
        ["plot", "sweep", "--metric", "nope"],
        "metric 'nope' is not in this sweep",
    ),
    "plot: sweep, bad threshold": (
        ["plot", "sweep", "--threshold", "cloud_hhi=1800"],
        "expected METRIC>VALUE",
    ),
    "plot: sweep, threshold infinite": (
        ["plot", "sweep", "--threshold", "cloud_hhi<-1e999"],
        "expected a finite VALUE",
    ),
    "plot: sweep, threshold of a firm not kept": (
        ["plot", "sweep", "--threshold", "exited[Mistral]>0.5"],
        "metric 'exited[Mistral]' is not in this sweep",
    ),
    "plot: sweep, threshold of no metric": (
        ["plot", "sweep", "--threshold", "nope>1"],
        "metric 'nope' is not in this sweep",
    ),
    "plot: sweep, --year elapsed": (
        ["plot", "sweep", "--year", "9"],
        "expected a calendar year such as 2030",
    ),
    "plot: sweep, --year outside": (
        ["plot", "sweep", "--year", "2040"],
        "the runs cover the calendar years",
    ),
    "plot: sweep, --after outside": (["plot", "sweep", "--after", "9"], "--after 9"),
    "plot: sweep, same factor twice": (
        [
            "plot",
            "sweep",
            "--kind",
            "heatmap",
            "--factor",
            "rules.switching_cost",
            "rules.switching_cost",
        ],
        "the two factors must differ",
    ),
    "plot: --format jpg": (["plot", "run", "--format", "jpg"], "invalid choice: 'jpg'"),
    "plot: --dpi 10": (["plot", "run", "--dpi", "10"], "expected an integer from 30 to 600"),
    "plot: --dpi x": (["plot", "run", "--dpi", "x"], "expected an integer from 30 to 600"),
    # ---------------------------------------------------------------------------------- report
    "report: missing folder": (["report", "missing"], "no such folder"),
    "report: an empty folder": (["report", "empty"], "no manifest.json"),
    "report: run, a sweep kind": (["report", "run", "--kind", "crossing"], "not a figure of a run"),
    "report: --out in a missing folder": (
        ["report", "run", "--out", "nodir/r.html"],
        "its folder nodir does not exist",
    ),
    "report: --out a folder": (["report", "run", "--out", "empty"], "is a folder, not a file"),
    "report: --out under a file": (
        ["report", "run", "--out", "notes.txt/r.html"],
        "is a file, not a folder",
    ),
    "report: --out in /proc": (["report", "run", "--out", "/proc/r.html"], "cannot write in /proc"),
    "report: --out a run's table": (
        ["report", "run", "--out", "run/metrics.parquet"],
        "is a data file of the run in",
    ),
    "report: --out a run's manifest": (
        ["report", "run", "--out", "run/manifest.json"],
        "is a data file of the run in",
    ),
    "report: --out a sweep's design": (
        ["report", "sweep", "--out", "sweep/design.parquet"],
        "is a data file of the sweep in",
    ),
    "report: --out a sweep's task file": (
        ["report", "sweep", "--out", "sweep/tasks/task-000000.parquet"],
        "is a data file of the sweep in",
    ),
    "report: --out a user's file": (
        ["report", "run", "--out", "notes.txt"],
        "--out notes.txt: exists and is not a report computemarket wrote",
    ),
    "report: --out a user's file in a folder": (
        ["report", "run", "--out", "thesis/thesis.tex"],
        "exists and is not a report computemarket wrote",
    ),
    "report: sweep, unknown factor": (
        ["report", "sweep", "--factor", "nosuch"],
        "not a factor of this sweep",
    ),
    "report: sweep, --year outside": (
        ["report", "sweep", "--year", "2050"],
        "the runs cover the calendar years",
    ),
    "report: run, --after huge": (["report", "run", "--after", "1e308"], "0 to 100"),
    "report: sweep, --after huge": (["report", "sweep", "--after", "5e307"], "0 to 100"),
    "report: sweep, a quarter": (
        ["report", "sweep", "--quarter", "1"],
        "--quarter: only for a run",
    ),
    # -------------------------------------------------------------------------------- validate
    "validate: --seeds 0": (
        ["validate", "--seeds", "0"],
        "--seeds: expected an integer from 3 to 100000, got 0",
    ),
    "validate: --seeds 2": (["validate", "--seeds", "2"], "got 2"),
    "validate: --seeds x": (["validate", "--seeds", "x"], "--seeds"),
    "validate: --seeds 100001": (
        ["validate", "--seeds", "100001"],
        "--seeds: expected an integer from 3 to 100000, got 100001",
    ),
    "validate: --seeds 10^20, no write": (
        ["validate", "--seeds", "99999999999999999999", "--no-write"],
        "--seeds: expected an integer from 3 to 100000, got 99999999999999999999",
    ),
    "validate: --workers 0": (
        ["validate", "--workers", "0"],
        "--workers: expected an integer from 1 to 1024, got 0",
    ),
    "validate: --workers 3*10^9": (
        ["validate", "--workers", "3000000000"],
        "--workers: expected an integer from 1 to 1024, got 3000000000",
    ),
    "validate: --workers 10^20, no write": (
        ["validate", "--workers", "99999999999999999999", "--no-write"],
        "--workers: expected an integer from 1 to 1024, got 99999999999999999999",
    ),
    "validate: --out a file": (["validate", "--out", "notes.txt"], "exists and is not a folder"),
    "validate: --out under a file": (
        ["validate", "--out", "notes.txt/v"],
        "is a file, not a folder",
    ),
    "validate: --out a run": (
        ["validate", "--out", "run"],
        "holds a run (computemarket run), not a validation",
    ),
    "validate: --out a folder of other files": (
        ["validate", "--out", "thesis"],
        "not a validation's",
    ),
    "validate: --out in /proc": (["validate", "--out", "/proc/v"], "cannot write in /proc"),
    "validate: an argument": (["validate", "now"], "unrecognized arguments: now"),
    # ------------------------------------------------------------------------------------- app
    "app: --port 0": (["app", "--port", "0"], "expected a port number from 1 to 65535, got 0"),
    "app: --port 70000": (["app", "--port", "70000"], "got 70000"),
    "app: --port x": (["app", "--port", "x"], "got 'x'"),
    "app: --host unknown": (["app", "--host", "no such host.invalid"], "unknown host"),
    "app: --host not here": (["app", "--host", "192.0.2.1"], "not an address of this machine"),
    "app: an argument": (["app", "now"], "unrecognized arguments: now"),
    "app: unknown option": (["app", "--browser"], "unrecognized arguments: --browser"),
}


@pytest.mark.parametrize(("arguments", "fragment"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    arguments, fragment, workspace, tmp_path, capsys
):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = folder_snapshot(tmp_path)
    code = cli.main(arguments)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("computemarket: error: "), err
    assert "Traceback" not in err
    assert fragment in err, err
    assert folder_snapshot(tmp_path) == before


def test_a_port_in_use_is_one_line(workspace, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--port {port}: already in use" in err


def test_the_corpus_is_large_and_covers_every_subcommand():
    commands = {arguments[0] for arguments, _ in CASES.values() if arguments}
    parser = cli.build_parser()
    subcommands = set(parser._subparsers._group_actions[0].choices)
    assert subcommands <= commands | {"app"}, subcommands - commands
    assert len(CASES) >= 150


def test_the_longest_after_is_the_longest_horizon():
    assert find_parameter("market.years").high == MAX_YEARS
