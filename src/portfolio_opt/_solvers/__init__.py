"""The solver layer: the only package that imports solver libraries (lazily).

``solve(model, options, backend)`` dispatches a compiled model to HiGHS
(in-process, highspy), CBC (through PuLP) or any other solver PuLP can drive.
``"auto"`` (the default everywhere) picks one per model, by a rule measured on
the benchmark suite (``benchmarks/README.md``), see :func:`default_backend`.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ._base import CompiledModel, RawSolution, SolverOptions, Status

__all__ = ["CompiledModel", "RawSolution", "SolverOptions", "Status", "solve", "available_backends", "BACKENDS",
           "default_backend", "resolve_backend"]

BACKENDS = ("highs", "cbc")


#: above this many columns "auto" prefers CBC whatever the shape (HiGHS overran its time
#: limit 2-3x and ended with a 10x larger gap at 10,000 candidates x 12 periods x 5 resources)
AUTO_CBC_COLUMNS = 20_000


def default_backend(model: CompiledModel | None = None, scheduling: bool = False) -> str:
    """The backend ``"auto"`` stands for, for this model.

    HiGHS for a *scheduling* model (some project can start in several periods)
    with several knapsack rows (rows of three or more non-negative coefficients
    with an upper limit: budgets per period, capacities) and at most
    :data:`AUTO_CBC_COLUMNS` columns; CBC for everything else.  Measured
    (``benchmarks/README.md``): on the sample portfolio budget-scaled 0.80-0.95
    CBC did not prove the optimum in 20 s where HiGHS took 1.2-2.2 s, and HiGHS
    had the smaller gap at 1,000 candidates x 12 periods x 5 resources; CBC was
    the faster on single-budget portfolios of every size, on the OR-Library
    multidimensional knapsacks (no start choice) and at 10,000 x 12 x 5.
    Whichever is installed when only one is.
    """
    avail = _available()
    if "cbc" not in avail:
        return "highs"
    if "highs" not in avail:  # pragma: no cover - highspy is a core dependency
        return "cbc"
    if model is None or not scheduling or model.n_cols > AUTO_CBC_COLUMNS:
        return "cbc"
    return "cbc" if _knapsack_rows(model) <= 1 else "highs"


def _knapsack_rows(model: CompiledModel) -> int:
    A = model.A.tocsr()
    nnz = np.diff(A.indptr)
    neg = np.zeros(A.shape[0], dtype=bool)
    rows_of = np.repeat(np.arange(A.shape[0]), nnz)
    neg[rows_of[A.data < 0]] = True
    return int(np.count_nonzero((nnz >= 3) & ~neg & np.isfinite(model.row_hi)))


def resolve_backend(backend: str, model: CompiledModel | None = None, scheduling: bool = False) -> str:
    """``"auto"`` → :func:`default_backend` (for ``model`` when given); any other name unchanged."""
    return default_backend(model, scheduling) if backend.lower() == "auto" else backend


def solve(model: CompiledModel, options: SolverOptions, backend: str = "auto", *, relax: bool = False) -> RawSolution:
    """Solve a compiled model with the named backend (``"auto"``: see :func:`default_backend`).

    A run given a warm start whose solution falls short of its own proven bound
    (HiGHS 1.16 was seen to return the warm start as "optimal" while reporting
    a better objective and bound, after presolve found the start feasible "in
    the reduced space") is run again without the warm start.
    """
    backend = resolve_backend(backend, model)
    raw = _solve(model, options, backend, relax)
    if options.warm_start is not None and not relax and _short_of_bound(model, options, raw):
        raw = _solve(model, dataclasses.replace(options, warm_start=None), backend, relax)
    return raw


def _short_of_bound(model: CompiledModel, options: SolverOptions, raw: RawSolution) -> bool:
    """True when an "optimal" solution is worse than the bound the same run proved."""
    if raw.status != Status.OPTIMAL or raw.objective is None or raw.bound is None:
        return False
    tol = max(float(options.mip_gap) * abs(raw.objective), 1e-9 * max(1.0, float(np.abs(model.c).sum())))
    return raw.bound - raw.objective > tol


def _solve(model: CompiledModel, options: SolverOptions, backend: str, relax: bool) -> RawSolution:
    """Dispatch to a backend already resolved by :func:`solve`."""
    name = backend.lower()
    if name == "highs":
        from ._highs import solve_highs

        return solve_highs(model, options, relax=relax)
    if relax:
        from ._highs import solve_highs

        return solve_highs(model, options, relax=True)
    from ._pulp import solve_pulp

    return solve_pulp(model, options, solver=backend)


def available_backends() -> list[str]:
    """Names of the backends usable here ("highs", "cbc" and other PuLP solvers)."""
    return list(_available())


@functools.lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    out = []
    try:
        import highspy  # noqa: F401

        out.append("highs")
    except ImportError:  # pragma: no cover
        pass
    try:
        from ._pulp import available_pulp_solvers

        out.extend(s for s in available_pulp_solvers() if s not in out)
    except Exception:  # pragma: no cover - pulp missing or broken
        pass
    return tuple(out)
