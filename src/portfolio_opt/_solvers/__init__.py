"""The solver layer: the only package that imports solver libraries (lazily).

``solve(model, options, backend)`` dispatches a compiled model to HiGHS
(in-process, highspy), CBC (through PuLP) or any other solver PuLP can drive.
"""

from __future__ import annotations

import functools

from ._base import CompiledModel, RawSolution, SolverOptions, Status

__all__ = ["CompiledModel", "RawSolution", "SolverOptions", "Status", "solve", "available_backends", "BACKENDS"]

BACKENDS = ("highs", "cbc")


def solve(model: CompiledModel, options: SolverOptions, backend: str = "highs", *, relax: bool = False) -> RawSolution:
    """Solve a compiled model with the named backend."""
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
