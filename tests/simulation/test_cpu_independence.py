"""Same seed, same numbers on another CPU: runs with numpy's AVX-512 kernels disabled agree to 1e-9.

numpy chooses its SIMD kernels at run time; ``exp`` and friends may then differ in the last bit.
Disabling AVX-512 (``NPY_DISABLE_CPU_FEATURES``) makes this machine compute like an older one, so a
decision that hangs on the last bit of a float (a leftover of 1e-17 GW counted as capacity, two
equal scores ordered by rounding) shows up here as a different run.
"""

import os
import pickle
import subprocess
import sys

import pytest

from computemarket.simulation.runner import run
from computemarket.testing import cpu_features, table_differences

CASES = [
    ("baseline", None, 1),
    ("baseline", None, 2),
    ("baseline", "no-exclusivity", 2),
    ("calibrated-2025", None, 1),
    ("calibrated-2025", None, 2),
    ("amazon-openai-50b", "no-exclusivity", 3),
]
TABLES = ("metrics", "agents", "ledger", "deals")
SCRIPT = """
import pickle, sys
from computemarket.simulation.runner import run
cases = pickle.loads(bytes.fromhex(sys.argv[1]))
tables = [{name: getattr(run(s, rules=r, seed=seed), name) for name in {tables!r}}
          for s, r, seed in cases]
sys.stdout.buffer.write(pickle.dumps(tables))
"""


@pytest.mark.skipif(
    "AVX512_ICL" not in cpu_features(), reason="this CPU has no AVX-512 kernels to turn off"
)
def test_runs_without_avx512_agree_with_the_default_to_1e_9():
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES="AVX512_ICL X86_V4")
    script = SCRIPT.replace("{tables!r}", repr(TABLES))
    done = subprocess.run(
        [sys.executable, "-c", script, pickle.dumps(CASES).hex()],
        env=env,
        capture_output=True,
        check=True,
        timeout=600,
    )
    other_cpu = pickle.loads(done.stdout)
    problems = []
    for (scenario, rules, seed), theirs in zip(CASES, other_cpu, strict=True):
        ours = run(scenario, rules=rules, seed=seed)
        for name in TABLES:
            for line in table_differences(getattr(ours, name), theirs[name]):
                problems.append(f"{scenario} {rules or ''} seed {seed} {name}: {line}")
    assert not problems, "\n".join(problems[:10])


def test_table_differences_sees_a_difference_above_the_tolerance_only():
    result = run("classroom", years=1, seed=1)
    metrics = result.metrics.copy()
    assert table_differences(result.metrics, metrics) == []
    metrics.loc[2, "cloud_hhi"] *= 1 + 1e-12
    assert table_differences(result.metrics, metrics) == []
    metrics.loc[3, "cloud_hhi"] *= 1 + 1e-6
    assert table_differences(result.metrics, metrics) == [
        f"cloud_hhi, row 3: {result.metrics.cloud_hhi[3]!r} != {metrics.cloud_hhi[3]!r}"
    ]
