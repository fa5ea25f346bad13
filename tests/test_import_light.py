"""``import portfolio_opt`` stays light: no solver, no matplotlib, no scipy until a model is built."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "highspy", "pulp", "scipy.sparse", "scipy")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return [m for m in p.stdout.strip().split(",") if m]


def test_import_loads_no_solver_plotting_or_scipy():
    assert _loaded_after("import portfolio_opt") == []


def test_a_problem_is_built_without_scipy_and_solved_with_it():
    code = (
        "import pandas as pd, portfolio_opt as po\n"
        "df = pd.DataFrame({'id': ['A', 'B', 'C'], 'cost': [4, 3, 2], 'value': [10, 7, 5]})\n"
        "p = po.Problem.from_frame(df, budget=6)\n"
        "assert 'scipy.sparse' not in sys.modules\n"
        "r = po.select(p, solver='highs')\n"
        "assert r.selected_ids == ['A', 'C'], r.selected_ids\n"
    )
    loaded = _loaded_after(code)
    assert "scipy.sparse" in loaded and "highspy" in loaded
    assert "matplotlib" not in loaded and "pulp" not in loaded
