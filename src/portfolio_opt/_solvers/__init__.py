"""The solver layer: the only package that imports solver libraries (lazily).

``solve(model, options, backend)`` dispatches a compiled model to HiGHS
(in-process, highspy), CBC (through PuLP) or any other solver PuLP can drive.
``"auto"`` (the default everywhere) is :func:`default_backend`: CBC where it is
installed, else HiGHS.  The choice is measured, not guessed: on the benchmark
suite's portfolios (``benchmarks/README.md``) CBC proved the optimum sooner
than HiGHS on every shape but the hardest multi-resource ones, and was the only
one to solve 100,000 candidates.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ._base import CompiledModel, RawSolution, SolverOptions, Status

__all__ = ["CompiledModel", "RawSolution", "SolverOptions", "Status", "solve", "available_backends", "BACKENDS",
           "default_backend", "resolve_backend"]

BACKENDS = ("highs", "cbc")


def default_backend() -> str:
    """The backend ``"auto"`` stands for: ``"cbc"`` when CBC is installed, else ``"highs"``."""
    return "cbc" if "cbc" in _available() else "highs"


def resolve_backend(backend: str) -> str:
    """``"auto"`` → :func:`default_backend`; any other name unchanged."""
    return default_backend() if backend.lower() == "auto" else backend


def solve(model: CompiledModel, options: SolverOptions, backend: str = "auto", *, relax: bool = False) -> RawSolution:
    """Solve a compiled model with the named backend (``"auto"``: see :func:`default_backend`).

    A run given a warm start whose solution falls short of its own proven bound
    (HiGHS 1.16 was seen to return the warm start as "optimal" while reporting
    a better objective and bound, after presolve found the start feasible "in
    the reduced space") is run again without the warm start.
    """
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
    backend = resolve_backend(backend)
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
