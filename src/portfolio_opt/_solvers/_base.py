"""Shared types of the solver layer: the compiled model, options and raw solution.

The compiled model is plain arrays (objective, sparse constraint matrix, row and
column bounds, integrality), built once in bulk and handed to any backend.  The
model is always a *maximisation*.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import os
import select
import subprocess
import time
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scipy.sparse is imported where a model is built, not by `import portfolio_opt`
    import scipy.sparse as sp


class Status(str, enum.Enum):
    """Outcome of a solve.

    ``OPTIMAL`` is proven optimal (within the requested relative gap);
    ``FEASIBLE`` means a limit stopped the solver with a solution whose proven
    gap is reported; ``INFEASIBLE`` is proven infeasible; ``NO_SOLUTION`` means
    a limit was hit before any solution was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclasses.dataclass(frozen=True)
class CompiledModel:
    """max c.x  s.t.  row_lo <= A x <= row_hi,  col_lo <= x <= col_hi, x_j integer where integrality_j."""

    c: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray  # 1 integer, 0 continuous
    offset: float = 0.0  # constant added to the objective

    @property
    def n_cols(self) -> int:
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])


def permuted(model: CompiledModel, cols: np.ndarray, rows: np.ndarray) -> CompiledModel:
    """``model`` with its columns and rows reordered: position k is column ``cols[k]`` / row ``rows[k]``."""
    A = model.A[rows][:, cols].tocsr()
    A.sort_indices()
    return dataclasses.replace(
        model, c=model.c[cols], A=A, row_lo=model.row_lo[rows], row_hi=model.row_hi[rows],
        col_lo=model.col_lo[cols], col_hi=model.col_hi[cols], integrality=model.integrality[cols])


def grace(time_limit: float | None) -> float | None:
    """How long past its time limit a solver's process may run before it is ended (and the race waits).

    Examples
    --------
    >>> grace(5), grace(60), grace(None)
    (2.0, 6.0, None)
    """
    return None if time_limit is None else max(2.0, 0.1 * float(time_limit))


def hard_deadline(time_limit: float | None) -> float | None:
    """Seconds after its start at which a solver's process is ended: the limit and its :func:`grace`.

    HiGHS can spend seconds past its limit in a root-node heuristic that does
    not look at the clock (``_solvers._race``), and CBC in its first LP
    (``_pulp._run_cbc``); CBC also ends its root node past a short limit on its
    own (a 1 s limit on 400 columns and 10 rows: 2.35 s, with a portfolio).

    Examples
    --------
    >>> hard_deadline(1), hard_deadline(None)
    (3.0, None)
    """
    return None if time_limit is None else float(time_limit) + float(grace(time_limit) or 0.0)


#: the longest wait ``select.poll`` takes, in milliseconds (a C int)
_POLL_MAX_MS = 2**31 - 1


def wait_process(proc: subprocess.Popen[bytes], timeout: float | None) -> int:
    """``proc.wait(timeout)`` that returns as soon as the process has ended.

    With a timeout, ``Popen.wait`` polls, sleeping up to 50 ms between looks
    (doubling from 0.5 ms): a CBC run that ended after 36 ms was seen to end
    after 65 ms, and a race's loser, killed when the winner proved the optimum,
    was waited for 45 ms more (``mknap1-6``: 147 ms for a 36 ms solve).  On
    Linux a pidfd (``os.pidfd_open``) is readable the moment the process ends, and
    ``select.poll`` on it waits without polling; elsewhere (or where the kernel
    has no pidfd) ``Popen.wait`` does.  Raises ``subprocess.TimeoutExpired`` as
    ``Popen.wait`` does.

    Examples
    --------
    >>> import subprocess, sys
    >>> proc = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> wait_process(proc, 30.0)
    0
    >>> proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    >>> try:
    ...     wait_process(proc, 0.2)
    ... except subprocess.TimeoutExpired:
    ...     proc.kill(); print("still running:", wait_process(proc, None) != 0)
    still running: True
    """
    if timeout is None or proc.returncode is not None:
        return proc.wait(timeout=timeout)
    if timeout == math.inf:
        return proc.wait()
    pidfd_open = getattr(os, "pidfd_open", None)
    fd = -1
    if pidfd_open is not None:
        try:
            fd = pidfd_open(proc.pid)
        except OSError:  # already reaped, or no pidfd in this kernel
            fd = -1
    if fd < 0:
        return proc.wait(timeout=timeout)
    try:
        if proc.returncode is None:  # not reaped by another thread meanwhile (the pid could be reused)
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            end = time.monotonic() + float(timeout)
            while not poller.poll(min(max(0, math.ceil(1000 * (end - time.monotonic()))), _POLL_MAX_MS)):
                if time.monotonic() >= end:  # (a timeout beyond poll's 24 days is waited for in steps)
                    raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)
    return proc.wait()


@dataclasses.dataclass(frozen=True)
class SolverOptions:
    """Options every backend understands.

    ``mip_gap`` is relative; ``time_limit`` in seconds (None: no limit);
    ``threads`` None lets the solver choose; ``warm_start`` an optional full
    column vector of a feasible solution; ``msg`` sends the solver log to stderr;
    ``known_bound`` an upper bound on the optimum proven elsewhere (the optimum
    of a looser problem): a solution reaching it within ``mip_gap`` is optimal,
    so the solver may stop there; ``second_order`` the model's columns and rows in
    a second order, for the race's second CBC (ignored where it does not fit);
    ``own_answer``: the caller named a backend other than HiGHS (or the race), so
    the answer must be that backend's own: a portfolio proven by the Lagrangian
    enumeration (:mod:`._fixing`) is handed to it over the columns the proof
    leaves open, rather than answered in HiGHS's name; ``core``: where the race
    (``_solvers._race``) may run a core search (:mod:`._core`) after CBC.
    """

    time_limit: float | None = None
    mip_gap: float = 0.0
    threads: int | None = None
    warm_start: np.ndarray | None = dataclasses.field(default=None, compare=False)
    msg: bool = False
    extra: tuple[tuple[str, Any], ...] = ()
    known_bound: float | None = None
    #: ``(cols, rows)``: this model in a second order, position k being column ``cols[k]`` / row
    #: ``rows[k]`` (the request's own order, under a canonical one): the race's second CBC solves it so
    second_order: tuple[np.ndarray, np.ndarray] | None = dataclasses.field(default=None, compare=False, repr=False)
    own_answer: bool = False
    #: ``_core.CoreStart``: the race's CBC slot gives a share of the time limit to a core search from it
    core: Any = dataclasses.field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = {
            "time_limit": self.time_limit,
            "mip_gap": self.mip_gap,
            "threads": self.threads,
            **dict(self.extra),
        }
        if self.known_bound is not None:
            out["known_bound"] = self.known_bound
        return out

    def stop_at(self) -> float | None:
        """The objective at which a solution is within ``mip_gap`` of ``known_bound`` (None without one).

        Conservative: any solution worth more is within :func:`objective_tolerance` of it.
        """
        if self.known_bound is None:
            return None
        kb = float(self.known_bound)
        return kb - self.mip_gap * abs(kb) / (1.0 + self.mip_gap)


def absolute_tolerance(model: CompiledModel, objective: float | None = None) -> float:
    """Objective differences below this are rounding, as far as proving a portfolio optimal goes: 1e-9 of
    the sum of the absolute coefficients a portfolio may hold (the positive ones, and negative ones whose
    column is forced to 1), or of ``|objective|`` when larger.

    A negative coefficient that no good portfolio takes does not count: with it in the sum (an NPV of
    -1.5e10 among values of about 30) HiGHS, told to stop 15 short of a known optimum, stopped at portfolios
    1-12 below it, and they were reported optimal.  For a margin that must cover every coefficient (what may
    be listed or fixed, what refutes a known bound), :func:`rounding_tolerance`.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> m = CompiledModel(c=np.array([11.9, 0.0, -1.5e10]), A=sp.csr_matrix((0, 3)), row_lo=np.zeros(0),
    ...                   row_hi=np.zeros(0), col_lo=np.zeros(3), col_hi=np.ones(3),
    ...                   integrality=np.ones(3, dtype=np.int32))
    >>> round(absolute_tolerance(m), 12), round(rounding_tolerance(m), 6)  # 1e-9 of 11.9, of 1.5e10 + 11.9
    (1.19e-08, 15.0)
    """
    c = np.asarray(model.c, float)
    held = (c > 0) | (np.asarray(model.col_lo, float) > 0)
    return 1e-9 * max(1.0, float(np.abs(c[held]).sum()), 0.0 if objective is None else abs(float(objective)))


def rounding_tolerance(model: CompiledModel) -> float:
    """1e-9 of the sum of every absolute objective coefficient: the widest rounding of any portfolio's total."""
    return 1e-9 * max(1.0, float(np.abs(model.c).sum()))


def objective_tolerance(model: CompiledModel, options: SolverOptions, objective: float) -> float:
    """How far below a bound an objective may be and still count as reaching it."""
    return max(float(options.mip_gap) * abs(objective), absolute_tolerance(model, objective))


@dataclasses.dataclass(frozen=True)
class RawSolution:
    """What a backend returns: status, column values (None without a solution), and facts."""

    status: Status
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    solver: str
    version: str
    seconds: float
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return None
        denom = max(abs(self.objective), 1e-10)
        return max(0.0, (self.bound - self.objective) / denom)
