"""Reusing a proof across a batch: a portfolio optimal for a looser problem that fits a tighter one.

If problem B differs from problem A only by being tighter — the same
candidates and objective, the same constraint rows with bounds inside A's,
possibly more rows, column bounds inside A's — then every portfolio feasible
for B is feasible for A, so A's optimum z_A bounds B's.  When A's optimal
portfolio also satisfies B, it reaches that bound: it is optimal for B, and no
solve is needed.  (With a relative gap g the same argument keeps A's portfolio
within g of B's optimum, because B's optimum is at most A's bound.)

Budget cuts, capacity changes, hires and forced-out projects are such changes,
so a sweep of them mostly re-proves the same few portfolios.
:func:`plan_chunks` orders the scenarios of a batch from loose to tight within
groups of comparable models, cuts the chains (runs of scenarios each relaxing
the next) into chunks and puts the scenarios that relax no neighbour in small
work units of their own, sizes set by the batch size alone (the same chunks on
any executor, so every executor returns the same portfolios); for each
scenario it says whether it relaxes the next one of its chunk.  The
work unit then takes the first of those whose proven portfolio still fits
(checked in plain arithmetic by :func:`~portfolio_opt.result.check_portfolio`).

The checks compare compiled models exactly (arrays equal, bounds ordered), so
they never reuse a portfolio on a mere resemblance.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._solvers import CompiledModel

#: fewest scenarios per work unit when reuse is on (see :func:`chunk_size`)
MIN_CHUNK = 10
#: a large batch is cut into about this many work units (enough to keep the workers of a
#: small cluster busy; fewer, longer chunks would reuse more)
CHUNKS = 16


def relaxes(a: CompiledModel, b: CompiledModel) -> bool:
    """True when every solution of ``b`` is a solution of ``a`` with the same objective.

    ``b`` must have ``a``'s columns, objective and integrality, ``a``'s rows
    first (same coefficients, bounds inside ``a``'s) and may add rows after them.
    """
    if a.n_cols != b.n_cols or a.n_rows > b.n_rows or a.offset != b.offset:
        return False
    if not (np.array_equal(a.c, b.c) and np.array_equal(a.integrality, b.integrality)):
        return False
    if not (np.all(b.col_lo >= a.col_lo) and np.all(b.col_hi <= a.col_hi)):
        return False
    m = a.n_rows
    if not (np.all(b.row_lo[:m] >= a.row_lo) and np.all(b.row_hi[:m] <= a.row_hi)):
        return False
    top = b.A[:m] if b.n_rows > m else b.A
    return (top.shape == a.A.shape and np.array_equal(top.indptr, a.A.indptr)
            and np.array_equal(top.indices, a.A.indices) and np.array_equal(top.data, a.A.data))


def _group(model: CompiledModel, ids: Sequence[str]) -> str:
    """Models that may relax one another share this key (objective and columns)."""
    h = hashlib.sha1()
    h.update("\x1f".join(map(str, ids)).encode())
    h.update(np.ascontiguousarray(model.c, dtype=float).tobytes())
    h.update(np.ascontiguousarray(model.integrality).tobytes())
    return h.hexdigest()


def _changed(model: CompiledModel, ref: CompiledModel | None) -> bytes:
    """Which row bounds differ from the reference (scenarios changing the same rows sort together)."""
    if ref is None or ref.n_cols != model.n_cols:
        return b""
    m = min(ref.n_rows, model.n_rows)
    d = (model.row_lo[:m] != ref.row_lo[:m]) | (model.row_hi[:m] != ref.row_hi[:m])
    return np.packbits(d).tobytes() + int(model.n_rows).to_bytes(8, "little")


def _looseness(model: CompiledModel) -> float:
    """Larger for looser models among those changing the same rows: finite upper bounds minus finite lower bounds."""
    hi = model.row_hi[np.isfinite(model.row_hi)]
    lo = model.row_lo[np.isfinite(model.row_lo)]
    return float(hi.sum() - lo.sum())


def chunk_size(n: int) -> int:
    """Longest chain piece per work unit: a function of the batch size only, so every executor gets the same chunks."""
    return max(MIN_CHUNK, -(-n // CHUNKS))


@dataclasses.dataclass(frozen=True)
class Plan:
    """How a batch runs.

    ``chunks`` are tuples of scenario positions ordered loose → tight;
    ``links[k]`` is True when scenario k relaxes the next one of its chunk
    (relaxation is transitive, so a run of links is a chain in which every
    scenario relaxes all that follow); ``base_relaxes`` are the scenarios the
    base problem relaxes.
    """

    chunks: tuple[tuple[int, ...], ...]
    links: dict[int, bool]
    base_relaxes: frozenset[int]


def plan_chunks(models: Sequence[CompiledModel], ids: Sequence[Sequence[str]], base: CompiledModel | None,
                base_ids: Sequence[str], chunk: int | None = None) -> Plan:
    """Order scenarios loose → tight within groups, cut into chunks, and find the chains.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> def knap(cap):
    ...     return CompiledModel(c=np.array([3., 2.]), A=sp.csr_matrix(np.array([[2., 1.]])),
    ...                          row_lo=np.array([-np.inf]), row_hi=np.array([cap]), col_lo=np.zeros(2),
    ...                          col_hi=np.ones(2), integrality=np.ones(2, dtype=np.int8))
    >>> p = plan_chunks([knap(1.0), knap(3.0), knap(2.0)], [("a", "b")] * 3, knap(2.5), ("a", "b"))
    >>> p.chunks, p.links, sorted(p.base_relaxes)
    (((1, 2, 0),), {1: True, 2: True, 0: False}, [0, 2])
    """
    chunk = chunk_size(len(models)) if chunk is None else chunk
    keys = [_group(m, i) for m, i in zip(models, ids)]
    ref = base if base is not None else (models[0] if models else None)
    sig = [_changed(m, ref) for m in models]
    order = sorted(range(len(models)), key=lambda k: (keys[k], sig[k], -_looseness(models[k]), k))
    links = {a: keys[a] == keys[b] and relaxes(models[a], models[b]) for a, b in zip(order, order[1:])}
    # chains (runs of links) are cut into chunks of at most `chunk`; scenarios that relax no neighbour
    # gain nothing from sharing a work unit, so they go in small ones that spread over the workers
    # (a batch of 12 unrelated scenarios was 10 + 2 on two workers)
    runs: list[list[int]] = []
    for k in order:
        if runs and links.get(runs[-1][-1]) and len(runs[-1]) < chunk:
            runs[-1].append(k)
        else:
            runs.append([k])
    single = max(1, -(-len(models) // CHUNKS))
    loose = [r[0] for r in runs if len(r) == 1]
    chunks = [tuple(r) for r in runs if len(r) > 1]
    for ch in chunks:
        links[ch[-1]] = False
    links.update((k, False) for k in loose)  # a unit of such scenarios holds no chain
    chunks += [tuple(loose[i:i + single]) for i in range(0, len(loose), single)]
    base_relaxes = frozenset(
        k for k, m in enumerate(models)
        if base is not None and tuple(ids[k]) == tuple(base_ids) and relaxes(base, m))
    return Plan(tuple(chunks), links, base_relaxes)


def reuse(problem: Any, source: Any, label: str, bound_from: Any = None) -> Any | None:
    """A proven portfolio of a related problem as the result of ``problem``, or None.

    ``source`` is the PortfolioResult whose portfolio is tried.  Without
    ``bound_from`` the source must relax ``problem`` (its bound is then a bound
    here); with it, ``bound_from`` is a result of a problem that relaxes
    ``problem`` and supplies the bound (the sandwich: a tighter problem's
    portfolio worth as much as a looser problem's bound is optimal in every
    problem between them).  None unless both are optimal within their requested
    gap, the portfolio satisfies every constraint of ``problem`` (checked in
    plain arithmetic) and it reaches the bound within that gap.
    """
    from .._solvers import Status
    from ..optimize import _tie_tol
    from ..result import PortfolioResult, SolverInfo, check_portfolio

    upper = source if bound_from is None else bound_from
    if source is None or upper is None or source.status != Status.OPTIMAL or upper.status != Status.OPTIMAL:
        return None
    if list(source.problem.ids) != list(problem.ids) or upper.bound is None:
        return None
    starts = source.starts.to_numpy(int)
    if check_portfolio(problem, starts):
        return None
    coef = problem.objective_coefficients
    objective = float(np.dot(coef, starts >= 0))
    bound = max(float(upper.bound), objective)
    gap_allowed = max(float(source.solver.options.get("mip_gap") or 0.0),
                      float(upper.solver.options.get("mip_gap") or 0.0))
    if bound - objective > max(gap_allowed * abs(objective), _tie_tol(coef, starts >= 0)):
        return None
    gap = (bound - objective) / max(abs(objective), 1e-10)
    info = SolverInfo(source.solver.name, source.solver.version, 0.0,
                      {**dict(source.solver.options), "reused_from": label})
    return PortfolioResult(problem=problem, status=Status.OPTIMAL, objective=objective, bound=bound,
                           gap=0.0 if gap < 1e-9 else gap, starts=source.starts.copy(), solver=info)
