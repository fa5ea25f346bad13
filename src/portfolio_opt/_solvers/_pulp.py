"""PuLP backend: CBC, run directly on an MPS file, and any other solver PuLP can drive.

**CBC** (``"cbc"`` and the aliases ``coin``, ``coin_cmd``, ``pulp_cbc_cmd``) is
not given a PuLP model: the compiled model is written as a free-format MPS file
straight from its arrays (:func:`_write_mps`, numpy-vectorised: no Python object
per non-zero), the CBC binary PuLP would use is run on it with ``subprocess``
(output to a log file, never to our descriptor 1) and with the command line
PuLP's ``COIN_CMD`` would build (:func:`_cbc_command`: ``-sec``, ``-ratio``,
``-threads``, ``-timeMode elapsed``, ``-solve``, ``-printingOptions all``,
``-solution``), and CBC's solution file is read as PuLP reads it
(:func:`_read_cbc_solution`, :func:`_cbc_codes`).  PuLP still finds the binary
and its options (the solver object is made, never run).  Writing the file takes
about 0.1-0.3 s where building the PuLP model took 2-10 s (10,000 to 100,000
candidates).  CBC never receives a warm start: CBC 2.10 was seen to return a
start as "optimal" when a better portfolio existed (it is still validated).

**Other solvers** get a PuLP model built from the CSR matrix (:func:`_build`: one
affine expression per row) with variables named by position (``x0``, ``x1``,
...) and rows ``r0``, ``r1``, ... (``r3_lo`` / ``r3_hi`` for the two halves of a
ranged row), so user ids never reach PuLP.  ``pulp`` is imported only inside the
functions; what PuLP finds (``listSolvers``, ``available()``, the CBC class) is
cached per process.

Every difference between PuLP 3 and PuLP 4 lives in this module:

==================  ==================================  ==================================
                    PuLP 3 (e.g. 3.3.2)                 PuLP 4 (e.g. 4.2)
==================  ==================================  ==================================
CBC                 ``PULP_CBC_CMD`` (bundled binary),  ``COIN_CMD``, binary from the
                    else ``COIN_CMD`` (``cbc`` on PATH) ``cbcbox`` wheel (``pulp[cbc]``)
                                                        or ``cbc`` on PATH
CBC sees            the maximisation (``-max``) from    the objective negated (a
                    the bundled binary; other binaries  minimisation): CBC master has
                    the negated objective               no ``-max``
CBC version         2.10.3 (no Nauty)                   master ("Devel"): gets ``-Orbit
                                                        lightweight`` (see _cbc_orbit_option)
variables (other    ``LpVariable(name, lo, hi, cat)``   ``prob.add_variable(...)``
solvers)            (or ``prob.add_variable`` in 3.3)
expressions         ``LpAffineExpression(pairs)``       ``LpAffineExpression.from_list``
solve returns       status int; ``prob.sol_status``     ``LpSolveStats`` (status, has_solution)
==================  ==================================  ==================================

The outcome is mapped with :func:`_map_status` from PuLP 3's pair
``(status, sol_status)``: CBC's solution-file status line is read into that pair
by :func:`_cbc_codes` (as PuLP's ``COIN_CMD.get_status`` reads it), PuLP 4's
stats of the other solvers by :func:`_v4_codes`.  The trap: a CBC run stopped at
its time limit with a solution (``Stopped on time - objective value ...``) is
``LpStatusOptimal`` to PuLP; only ``sol_status`` (2, ``LpSolutionIntegerFeasible``)
tells it from a proven optimum.

The best bound of a CBC run is read from CBC's own log (see
:func:`_cbc_bound`), never from PuLP 4's ``stats.best_bound``, which was seen to
take a sub-search's ``Partial search`` line (e.g. -1.7e8 for a maximisation whose
solution is worth 9905) and to report the incumbent as the bound of a run
stopped by the gap.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import SolverError
from ._base import CompiledModel, RawSolution, SolverOptions, Status, hard_deadline, wait_process
from ._quiet import stdout_to_stderr

__all__ = ["solve_pulp", "available_pulp_solvers", "pulp_version"]

# PuLP names that are CBC run as a command-line program
_CBC_CLASSES = ("PULP_CBC_CMD", "COIN_CMD")
_CBC_ALIASES = frozenset({"cbc", "coin", "coin_cmd", "pulp_cbc_cmd"})
# names the package's solver layer routes to its own backends: PuLP's solver of
# the same name is listed as "<name>_pulp" so that it stays reachable
_RESERVED = frozenset({"highs", "cbc"})
_INSTALL_CBC = (
    'install CBC with: pip install "pulp[cbc]" (PuLP 4, Python 3.12+: CBC comes from the '
    "cbcbox wheel), or pip install \"pulp<4\" on Python 3.11 (CBC bundled), or put a `cbc` "
    "executable on PATH"
)

# PuLP 3 status codes (pulp.constants), used by _map_status
_ST_OPTIMAL, _ST_NOT_SOLVED, _ST_INFEASIBLE, _ST_UNBOUNDED, _ST_UNDEFINED = 1, 0, -1, -2, -3
_SOL_OPTIMAL, _SOL_INTEGER_FEASIBLE, _SOL_NONE, _SOL_INFEASIBLE, _SOL_UNBOUNDED = 1, 2, 0, -1, -2
# PuLP 4 LpSolveStatus codes, used by _v4_codes
_V4_NOT_SOLVED, _V4_OPTIMAL, _V4_INFEASIBLE, _V4_UNBOUNDED, _V4_UNDEFINED = 0, 1, -1, -2, -3
_V4_GAP_LIMIT = -7
_V4_NUMERICAL_ERROR = -12


# --------------------------------------------------------------------------- pulp access


def _import_pulp() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pulp
    except ImportError as exc:
        raise SolverError(f"PuLP is not installed ({exc}); {_INSTALL_CBC}") from None
    return pulp


def pulp_version() -> str:
    """Version of the installed PuLP, e.g. ``"3.3.2"``."""
    pulp = _import_pulp()
    return str(getattr(pulp, "__version__", None) or getattr(pulp, "VERSION", "unknown"))


def _pulp_major(pulp: Any) -> int:
    m = re.match(r"\s*(\d+)", str(getattr(pulp, "__version__", "0")))
    return int(m.group(1)) if m else 0


# Solver discovery (``listSolvers``, ``available()``, the CBC class) is cached per
# process: it does not change while the process runs, and it cost a few ms per
# solve (tens of ms on some machines), which dominated batches of small solves.


@functools.lru_cache(maxsize=None)
def _pulp_names(pulp: Any) -> tuple[str, ...]:
    out: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in pulp.listSolvers():
            if name not in out:
                out.append(name)
    return tuple(out)


def _instance(pulp: Any, name: str, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PULP_CBC_CMD is deprecated in PuLP 3.3
        return pulp.getSolver(name, **kwargs)


@functools.lru_cache(maxsize=None)
def _is_available(pulp: Any, name: str) -> bool:
    try:
        with warnings.catch_warnings(), stdout_to_stderr():
            warnings.simplefilter("ignore")
            return bool(_instance(pulp, name, msg=False).available())
    except Exception:
        return False


@functools.lru_cache(maxsize=None)
def _cbc_class(pulp: Any) -> str | None:
    """PuLP name of the CBC solver to use, or None when no CBC is installed."""
    names = _pulp_names(pulp)
    order = ["COIN_CMD"] if _pulp_major(pulp) >= 4 else ["PULP_CBC_CMD", "COIN_CMD"]
    for name in order:
        if name in names and _is_available(pulp, name):
            return name
    return None


def _public_names(pulp_names: tuple[str, ...]) -> dict[str, str]:
    """Map each non-CBC PuLP solver name to the name this module lists it under."""
    lower = {n.lower() for n in pulp_names}
    out: dict[str, str] = {}
    for name in pulp_names:
        if name in _CBC_CLASSES:
            continue
        low = name.lower()
        if low.endswith("_cmd") and low[:-4] not in lower:
            low = low[:-4]  # GLPK_CMD -> glpk (HiGHS_CMD stays highs_cmd: HiGHS exists)
        if low in _RESERVED:
            low += "_pulp"  # HiGHS -> highs_pulp ("highs" is the in-process backend)
        out[name] = low
    return out


def available_pulp_solvers() -> list[str]:
    """Lower-case names of the solvers PuLP can run here, CBC first as ``"cbc"``.

    Each name is accepted by :func:`solve_pulp`; e.g. ``["cbc", "highs_pulp", "glpk"]``.
    """
    return list(_available_pulp_solvers(_import_pulp()))


@functools.lru_cache(maxsize=None)
def _available_pulp_solvers(pulp: Any) -> tuple[str, ...]:
    out = ["cbc"] if _cbc_class(pulp) else []
    names = _pulp_names(pulp)
    public = _public_names(names)
    for name in names:
        if name in public and _is_available(pulp, name) and public[name] not in out:
            out.append(public[name])
    return tuple(out)


def public_name(solver: str) -> str | None:
    """The name :func:`available_pulp_solvers` lists ``solver`` under, for any name :func:`solve_pulp` takes
    (``"PULP_CBC_CMD"``, ``"coin_cmd"`` -> ``"cbc"``; ``"GLPK_CMD"`` -> ``"glpk"``), or None where PuLP has no
    such solver or it does not run here."""
    pulp = _import_pulp()
    try:
        name, is_cbc = _resolve(pulp, solver)
    except SolverError:
        return None
    return "cbc" if is_cbc else _public_names(_pulp_names(pulp)).get(name, name.lower())


def _resolve(pulp: Any, solver: str) -> tuple[str, bool]:
    """(PuLP solver name, is CBC) for a user's solver name; SolverError if not usable."""
    key = str(solver).strip().lower()
    names = _pulp_names(pulp)
    if key in _CBC_ALIASES:
        if key == "cbc":
            name = _cbc_class(pulp)
        else:
            name = {"coin": "COIN_CMD"}.get(key, key.upper())
            if name not in names or not _is_available(pulp, name):
                name = None
        if name is None:
            raise SolverError(
                f"CBC is not available to PuLP {pulp_version()} "
                f"(available: {', '.join(available_pulp_solvers()) or 'none'}); {_INSTALL_CBC}"
            )
        return name, True
    by_lower = {n.lower(): n for n in names}
    by_public = {v: k for k, v in _public_names(names).items()}
    name = by_public.get(key) or by_lower.get(key)
    if name is None and key.endswith("_pulp"):
        name = by_lower.get(key[: -len("_pulp")])
    if name is None and not key.endswith("_cmd"):
        name = by_lower.get(key + "_cmd")
    if name is None:
        raise SolverError(
            f"unknown PuLP solver {solver!r}; available here: "
            f"{', '.join(available_pulp_solvers()) or 'none'} (PuLP knows: {', '.join(names)})"
        )
    if not _is_available(pulp, name):
        hint = "pip install highspy" if name.lower() == "highs" else f"install the program or module {name} drives"
        raise SolverError(
            f"PuLP solver {name} is not available here ({hint}); available: "
            f"{', '.join(available_pulp_solvers()) or 'none'}"
        )
    return name, name in _CBC_CLASSES


@functools.lru_cache(maxsize=None)
def _accepted_kwargs(pulp: Any, name: str) -> frozenset[str]:
    """The keyword arguments the constructor of PuLP solver ``name`` takes."""
    probe = _instance(pulp, name, msg=False)
    try:
        params = inspect.signature(type(probe).__init__).parameters
        return frozenset(k for k, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
    except (TypeError, ValueError):  # pragma: no cover - exotic solver class
        return frozenset({"msg", "timeLimit"})


def _make_solver(pulp: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """Instantiate solver ``name`` with those of ``kwargs`` its constructor takes."""
    accepted = _accepted_kwargs(pulp, name)
    return _instance(pulp, name, **{k: v for k, v in kwargs.items() if k in accepted})


# --------------------------------------------------------------------------- status


def _map_status(status: int, sol_status: int | None) -> Status:
    """Map PuLP 3's ``(prob.status, prob.sol_status)`` to a :class:`Status`.

    ``sol_status`` decides between a proven optimum (1) and a solution found by a
    run stopped at a limit (2), which PuLP reports with ``status`` Optimal (1) too.
    ``sol_status`` None (a PuLP without it) is derived from ``status``.  Unbounded
    maps to NO_SOLUTION (no usable solution; the message says why), as the HiGHS
    backend does.
    """
    status = int(status)
    if sol_status is None:
        sol_status = {_ST_OPTIMAL: _SOL_OPTIMAL, _ST_INFEASIBLE: _SOL_INFEASIBLE,
                      _ST_UNBOUNDED: _SOL_UNBOUNDED}.get(status, _SOL_NONE)
    sol_status = int(sol_status)
    if status == _ST_INFEASIBLE or sol_status == _SOL_INFEASIBLE:
        return Status.INFEASIBLE
    if status == _ST_UNBOUNDED or sol_status == _SOL_UNBOUNDED:
        return Status.NO_SOLUTION
    if sol_status == _SOL_OPTIMAL:
        # a solver that says "optimal solution" but not "optimal status" stopped early
        return Status.OPTIMAL if status == _ST_OPTIMAL else Status.FEASIBLE
    if sol_status == _SOL_INTEGER_FEASIBLE:
        return Status.FEASIBLE
    if sol_status == _SOL_NONE:
        return Status.NO_SOLUTION
    raise SolverError(f"PuLP returned unknown status codes ({status}, {sol_status})")


def _v4_codes(stop: int, has_solution: bool) -> tuple[int, int]:
    """Translate PuLP 4's ``LpSolveStats`` (status, has_solution) into PuLP 3's pair."""
    stop = int(stop)
    if stop == _V4_INFEASIBLE:
        return _ST_INFEASIBLE, _SOL_INFEASIBLE
    if stop == _V4_UNBOUNDED:
        return _ST_UNBOUNDED, _SOL_UNBOUNDED
    if stop in (_V4_OPTIMAL, _V4_GAP_LIMIT):  # GapLimit: optimal within the requested gap
        return (_ST_OPTIMAL, _SOL_OPTIMAL) if has_solution else (_ST_NOT_SOLVED, _SOL_NONE)
    if stop == _V4_NUMERICAL_ERROR and not has_solution:
        raise SolverError("the solver stopped on numerical difficulties without a solution")
    if stop in (_V4_NOT_SOLVED, _V4_UNDEFINED):
        return (stop, _SOL_INTEGER_FEASIBLE) if has_solution else (stop, _SOL_NONE)
    # time / memory / node / iteration / solution limits, interrupted, stopped, numerics
    return (_ST_OPTIMAL, _SOL_INTEGER_FEASIBLE) if has_solution else (_ST_NOT_SOLVED, _SOL_NONE)


# --------------------------------------------------------------------------- CBC log

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RE_VERSION = re.compile(r"^Version:\s*(\S+)", re.M)
_RE_RESULT = re.compile(r"^Result - (.+?)\s*$", re.M)
_RE_SUMMARY_BOUND = re.compile(rf"^(Upper|Lower) bound:\s*({_NUM})", re.M)
_RE_PARTIAL = re.compile(rf"Partial search - best objective \S+ \(best possible ({_NUM})\)")
_RE_COMMAND = re.compile(r"^command line - (.*)$", re.M)
_RE_ROOT_LP = re.compile(rf"^Continuous objective value is ({_NUM})", re.M)


def _half_unit(text: str) -> float:
    """Half a unit of the last digit printed in ``text`` (how far rounding may have moved it)."""
    mant, _, exp = text.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10.0 ** ((int(exp) if exp else 0) - decimals)


def _finite(value: float) -> bool:
    return math.isfinite(value) and abs(value) < 1e49  # CBC prints 1e50 for "none"


def _cbc_bound_from_log(log: str) -> float | None:
    """CBC's final best bound as its log reports it, for our maximisation of c.x, or None.

    CBC ends a MIP run with a summary (``Result - ...``, ``Objective value:``, then
    ``Upper bound:`` when it maximised, as PuLP 3 runs it with ``-max``, or
    ``Lower bound:`` when it minimised the negated objective, as PuLP 4 runs it).
    ``Cbc0005I Partial search - ... (best possible V)`` lines carry the bound with
    more digits, always in CBC's internal minimisation sense; the last one is used
    when it agrees with the summary (earlier ones may be sub-searches').  The value
    is rounded outward by half a unit of the last printed digit.  Not checked here:
    see :func:`_cbc_bound`.
    """
    found = _RE_SUMMARY_BOUND.findall(log)
    if not found:
        return None
    label, text = found[-1]
    value = float(text)
    if not _finite(value):
        return None
    bound, slack = (value if label == "Upper" else -value), _half_unit(text)
    partial = _RE_PARTIAL.findall(log)
    if partial:
        p_value = -float(partial[-1])
        if _finite(p_value) and abs(p_value - bound) <= slack * 1.000001:
            bound, slack = p_value, _half_unit(partial[-1])
    return bound + slack


def _cbc_root_bound(log: str) -> float | None:
    """The continuous relaxation's value (a valid bound) from CBC's log, max sense, or None.

    ``Continuous objective value is V`` is printed in the sense CBC solved: the
    maximisation when its command line has ``-max`` (PuLP 3), else the
    minimisation of the negated objective (PuLP 4).
    """
    cmd, root = _RE_COMMAND.search(log), _RE_ROOT_LP.search(log)
    if cmd is None or root is None:
        return None
    value = float(root.group(1))
    if not _finite(value):
        return None
    maximised = re.search(r"(^|\s)-max(\s|$)", cmd.group(1)) is not None
    return (value if maximised else -value) + _half_unit(root.group(1))


def _cbc_bound(log: str, objective_cx: float) -> tuple[float | None, str]:
    """The best bound of a CBC run that has a solution with value ``objective_cx``, and a note.

    The reported final bound is accepted only between the objective and the
    continuous relaxation: CBC master (cbcbox) was seen to report bounds from an
    interrupted root cut loop (``Lower bound: 5.16421e+09`` on a model whose optimum
    is about 100), which this test rejects.  Then the relaxation's value is used,
    or None when the log has neither.
    """
    tol = 1e-6 * max(1.0, abs(objective_cx))
    final, root = _cbc_bound_from_log(log), _cbc_root_bound(log)
    note = ""
    if final is not None and root is not None and final > root:
        final = root  # weaker than the relaxation itself
    if final is not None and final < objective_cx - tol:
        note = f"CBC's reported bound {final:.10g} is below its own solution: not used"
        final = None
    if final is None and root is not None and root >= objective_cx - tol:
        final = root
        note += ("; " if note else "") + "bound: the continuous relaxation"
    return (None if final is None else max(final, objective_cx)), note


def _cbc_version(log: str) -> str | None:
    m = _RE_VERSION.search(log)
    if m and re.match(r"\d+(\.\d+)+", m.group(1)):
        return m.group(1)
    return None


@functools.lru_cache(maxsize=None)
def _fallback_version(pulp_ver: str, cbc: bool) -> str:
    ver = f"pulp {pulp_ver}"
    if cbc:
        try:
            from importlib.metadata import version

            ver += f" (cbcbox {version('cbcbox')})"
        except Exception:
            pass
    return ver


# CBC builds with Nauty (CBC master, as in the cbcbox wheel of PuLP 4) turn orbital
# branching on; its symmetry search ignores the time limit (seen: 11 s of a 2 s
# limit on 5000 binaries, then no solution).  "lightweight" keeps it where cheap.
_CBC_ORBIT_OPTION = "Orbit lightweight"
_cbc_knows_orbit: dict[str, bool] = {}


def _cbc_orbit_option(path: str | None) -> list[str]:
    """``[_CBC_ORBIT_OPTION]`` when the CBC at ``path`` has the Orbit parameter (probed once)."""
    if not path:
        return []
    if path not in _cbc_knows_orbit and os.path.join("pulp", "solverdir", "cbc") in os.path.abspath(path):
        _cbc_knows_orbit[path] = False  # the CBC 2.10 that PuLP 3 bundles predates Orbit: no probe run
    if path not in _cbc_knows_orbit:
        try:
            run = subprocess.run(
                [path, *("-" + _CBC_ORBIT_OPTION).split(), "-quit"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
            )
            _cbc_knows_orbit[path] = run.returncode == 0 and "No match for Orbit" not in run.stdout + run.stderr
        except (OSError, subprocess.SubprocessError):
            _cbc_knows_orbit[path] = False
    return [_CBC_ORBIT_OPTION] if _cbc_knows_orbit[path] else []


# --------------------------------------------------------------------------- model


def _check(model: CompiledModel) -> sp.csr_matrix:
    n, m = model.n_cols, model.n_rows
    if model.A.shape != (m, n):
        raise SolverError(f"compiled model: A has shape {model.A.shape}, expected ({m}, {n})")
    for field, size in (("row_lo", m), ("row_hi", m), ("col_lo", n), ("col_hi", n), ("integrality", n)):
        shape = np.shape(getattr(model, field))
        if shape != (size,):
            raise SolverError(f"compiled model: {field} has shape {shape}, expected ({size},)")
    A = sp.csr_matrix(model.A, dtype=float, copy=True)
    A.sum_duplicates()
    A.eliminate_zeros()
    if not (np.all(np.isfinite(A.data)) and np.all(np.isfinite(np.asarray(model.c, float)))):
        raise SolverError("compiled model: the objective or the matrix has NaN or infinite coefficients")
    if not np.isfinite(model.offset):
        raise SolverError(f"compiled model: the objective offset is {model.offset}")
    for field in ("row_lo", "row_hi", "col_lo", "col_hi"):
        if np.any(np.isnan(np.asarray(getattr(model, field), float))):
            raise SolverError(f"compiled model: {field} contains NaN")
    return A


def _violation(model: CompiledModel, A: sp.csr_matrix, x: np.ndarray) -> float:
    """Largest violation of a row or column bound by ``x`` (0 when feasible)."""
    act = A @ x
    parts = [
        np.asarray(model.row_lo, float) - act, act - np.asarray(model.row_hi, float),
        np.asarray(model.col_lo, float) - x, x - np.asarray(model.col_hi, float),
    ]
    worst = max((float(np.max(p)) for p in parts if p.size), default=0.0)
    return max(worst, 0.0)


def _trivially_infeasible(model: CompiledModel, A: sp.csr_matrix, tol: float = 1e-9) -> str | None:
    """Why the model is infeasible without solving (empty rows, crossed bounds), or None."""
    lo, hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        return f"column {int(bad[0])} has lower bound {lo[bad[0]]} > upper bound {hi[bad[0]]}"
    rlo, rhi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    bad = np.flatnonzero(rlo > rhi)
    if bad.size:
        return f"row {int(bad[0])} has lower bound {rlo[bad[0]]} > upper bound {rhi[bad[0]]}"
    empty = np.diff(A.indptr) == 0
    bad = np.flatnonzero(empty & ((rlo > tol) | (rhi < -tol)))
    if bad.size:
        return f"row {int(bad[0])} has no coefficients but requires a value in [{rlo[bad[0]]}, {rhi[bad[0]]}]"
    return None


def _default_x(model: CompiledModel) -> np.ndarray:
    """A value inside every column's bounds (0 clipped; rounded inward for integers)."""
    lo, hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    x = np.clip(np.zeros(model.n_cols), lo, hi)
    ints = np.asarray(model.integrality) == 1
    x[ints] = np.clip(np.round(x[ints]), np.ceil(lo[ints] - 1e-9), np.floor(hi[ints] + 1e-9))
    return x


def _bound_arg(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _build(pulp: Any, model: CompiledModel, A: sp.csr_matrix) -> tuple[Any, list[Any]]:
    """The PuLP problem (maximise c.x; the offset is added afterwards) and its variables."""
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    lo, hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    ints = np.asarray(model.integrality) == 1
    binary = ints & (lo == 0.0) & (hi == 1.0)
    cats = np.where(binary, pulp.LpBinary, np.where(ints, pulp.LpInteger, pulp.LpContinuous)).tolist()
    lo_l = [_bound_arg(v) for v in lo.tolist()]
    hi_l = [_bound_arg(v) for v in hi.tolist()]
    names = [f"x{j}" for j in range(model.n_cols)]
    if hasattr(prob, "add_variable"):  # PuLP 4 (and 3.3+): variables belong to the problem
        add = prob.add_variable
        xs = [add(nm, lb, ub, cat) for nm, lb, ub, cat in zip(names, lo_l, hi_l, cats)]
    else:  # PuLP < 3.3
        mk = pulp.LpVariable
        xs = [mk(nm, lb, ub, cat) for nm, lb, ub, cat in zip(names, lo_l, hi_l, cats)]
    expr = getattr(pulp.LpAffineExpression, "from_list", None) or pulp.LpAffineExpression
    var_arr = np.empty(len(xs), dtype=object)
    var_arr[:] = xs

    c = np.asarray(model.c, float)
    nz = np.flatnonzero(c)
    prob.setObjective(expr(list(zip(var_arr[nz].tolist(), c[nz].tolist()))))

    rlo, rhi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    indptr, indices, data = A.indptr, A.indices, A.data
    for i in range(A.shape[0]):
        a, b = indptr[i], indptr[i + 1]
        lo_i, hi_i = float(rlo[i]), float(rhi[i])
        fin_lo, fin_hi = math.isfinite(lo_i), math.isfinite(hi_i)
        if a == b or not (fin_lo or fin_hi):
            continue  # empty rows were checked by _trivially_infeasible; free rows say nothing
        terms = list(zip(var_arr[indices[a:b]].tolist(), data[a:b].tolist()))
        if fin_lo and fin_hi and lo_i == hi_i:
            prob.addConstraint(expr(terms) == lo_i, f"r{i}")
        elif fin_lo and fin_hi:
            prob.addConstraint(expr(terms) >= lo_i, f"r{i}_lo")
            prob.addConstraint(expr(terms) <= hi_i, f"r{i}_hi")
        elif fin_hi:
            prob.addConstraint(expr(terms) <= hi_i, f"r{i}")
        else:
            prob.addConstraint(expr(terms) >= lo_i, f"r{i}")
    return prob, xs


def _warm_start_values(model: CompiledModel, start: np.ndarray) -> np.ndarray:
    """``start`` checked (SolverError if unusable), clipped to the bounds, integers rounded."""
    start = np.asarray(start, dtype=float).ravel()
    if start.shape != (model.n_cols,):
        raise SolverError(f"warm_start has {start.size} values, the model has {model.n_cols} columns")
    if not np.all(np.isfinite(start)):
        raise SolverError("warm_start contains NaN or infinite values")
    lo, hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    start = np.clip(start, lo, hi)
    ints = np.asarray(model.integrality) == 1
    start[ints] = np.round(start[ints])
    return start


def _set_warm_start(model: CompiledModel, xs: list[Any], start: np.ndarray) -> None:
    for var, val in zip(xs, _warm_start_values(model, start).tolist()):
        var.setInitialValue(val, False)


# --------------------------------------------------------------------------- MPS file (CBC)
#
# CBC reads the model from a free-format MPS file written here straight from the
# arrays: every section is a fixed-width table of ASCII bytes built with numpy,
# so no Python object is made per non-zero.  Columns are C0, C1, ... in model
# order, rows R<i> with the model's row numbers (free and empty rows are left
# out), the objective row OBJ (no offset).  CBC gets the same model PuLP 4 gave
# it (PuLP 3 sorted the columns by name, x0, x1, x10, x100, ..., which changes
# CBC 2.10.3's search path, not its answers):
#
# * numbers as PuLP writes them, ``%.12e`` (13 significant digits).  CBC's MPS
#   reader parses decimals with its own arithmetic, not a correctly rounded
#   strtod, so "1.99998" and "1.999980000000e+00" become different doubles, and
#   CBC master was seen to accept a budget row violated by 2e-5 from the first
#   and not from the second;
# * a ranged row as PuLP's two rows: R<i> (>= lower bound), then U<i> (<= upper);
# * PuLP's bounds: FX for fixed columns, BV for binaries, LO for a non-zero lower
#   bound and for a general integer without an upper bound (COIN reads an integer
#   column without bounds as binary), MI / FR for missing lower bounds, UP for
#   upper bounds.
#
# Unlike PuLP's, every column is written: one in no row and not in the objective
# gets an explicit zero objective entry (PuLP left it out and guessed its value).

_MARK_INT = b" MARKER 'MARKER' 'INTORG'\n"
_MARK_END = b" MARKER 'MARKER' 'INTEND'\n"


def _digits(idx: np.ndarray, width: int) -> np.ndarray:
    """``(len(idx), width)`` ASCII bytes: the non-negative integers ``idx``, zero-padded."""
    idx = np.asarray(idx)
    v = idx.astype(np.uint32 if idx.size == 0 or idx.max() < 2**32 else np.uint64)
    out = np.empty((v.size, width), np.uint8)
    for k in range(width - 1, -1, -1):
        q = v // 10
        out[:, k] = v - q * 10
        v = q
    out += ord("0")
    return out


def _numbers(values: np.ndarray) -> np.ndarray:
    """``(len(values), w)`` ASCII bytes: each value as PuLP writes it (``%.12e``), space-padded.

    Only the distinct values are formatted (portfolio matrices repeat few numbers).
    """
    values = np.asarray(values, float).ravel()
    if values.size == 0:
        return np.zeros((0, 1), np.uint8)
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.array(["%.12e" % v for v in uniq.tolist()], dtype=np.bytes_)  # NUL-padded
    table = text.view(np.uint8).reshape(uniq.size, -1).copy()
    table[table == 0] = ord(" ")
    return table[np.ravel(inverse)]


def _text(s: str) -> np.ndarray:
    """A constant field, as a 1-row byte table to broadcast."""
    return np.frombuffer(s.encode("ascii"), np.uint8)[None, :]


def _table(rows: int, *fields: np.ndarray) -> bytes:
    """Lines of ``rows`` equal-width records: the fields side by side (1-row fields repeated)."""
    if rows == 0:
        return b""
    parts = [np.broadcast_to(f, (rows, f.shape[1])) for f in fields]
    return np.concatenate(parts, axis=1).tobytes()


def _write_mps(path: str, model: CompiledModel, A: sp.csr_matrix, *, negate: bool) -> None:
    """Write ``model`` (``A`` checked by :func:`_check`) as a free-format MPS file for CBC.

    The objective is c (CBC then gets ``-max``) or -c when ``negate`` (a
    minimisation); see the section comment above for names, numbers and bounds.
    """
    n, m = model.n_cols, model.n_rows
    rlo, rhi = np.asarray(model.row_lo, float), np.asarray(model.row_hi, float)
    lo, hi = np.asarray(model.col_lo, float), np.asarray(model.col_hi, float)
    ints = np.asarray(model.integrality) == 1
    c = np.asarray(model.c, float)
    obj = -c if negate else c
    wr, wc = len(str(max(m - 1, 0))), len(str(max(n - 1, 0)))
    out: list[bytes | memoryview] = [b"NAME PORTFOLIO FREE\nROWS\n N OBJ\n"]  # FREE: free format

    # ROWS: E (equal bounds), G (>=; the first half of a ranged row), L (<=; its second half U<i>)
    flo, fhi = np.isfinite(rlo), np.isfinite(rhi)
    keep = (np.diff(A.indptr) > 0) & (flo | fhi)  # free and empty rows say nothing
    eq = flo & fhi & (rlo == rhi)
    ranged = flo & fhi & ~eq
    kept = np.flatnonzero(keep)
    rows = np.repeat(kept, np.where(ranged[kept], 2, 1))  # the model row of each written row
    upper = np.zeros(rows.size, bool)
    upper[1:] = rows[1:] == rows[:-1]  # the second half of a ranged row
    sense = np.where(eq[rows], ord("E"), np.where(flo[rows] & ~upper, ord("G"), ord("L"))).astype(np.uint8)
    names = np.concatenate([np.where(upper, ord("U"), ord("R")).astype(np.uint8)[:, None], _digits(rows, wr)],
                           axis=1)
    out.append(_table(rows.size, _text(" "), sense[:, None], _text(" "), names, _text("\n")))

    # COLUMNS: each column's row entries, then its objective entry
    csc = A[rows].tocsc() if rows.size != m or ranged.any() else A.tocsc()
    csc.sort_indices()
    count = np.diff(csc.indptr)
    has_obj = (obj != 0) | (count == 0)
    per_col = count + has_obj
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(per_col, out=ptr[1:])
    total = int(ptr[-1])
    is_obj = np.zeros(total, bool)
    is_obj[ptr[1:][has_obj] - 1] = True
    row_field = np.full((total, max(wr + 1, 3)), ord(" "), np.uint8)
    row_field[~is_obj, :wr + 1] = names[csc.indices]
    row_field[is_obj, :3] = _text("OBJ")
    values = np.empty(total)
    values[~is_obj] = csc.data
    values[is_obj] = obj[has_obj]
    col_of = np.repeat(np.arange(n, dtype=np.int64), per_col)
    body = memoryview(_table(total, _text(" C"), _digits(col_of, wc), _text(" "), row_field, _text(" "),
                             _numbers(values), _text("\n")))
    line = len(body) // total
    out.append(b"COLUMNS\n")
    change = np.flatnonzero(ints[1:] != ints[:-1]) + 1
    for j0, j1 in zip([0, *change.tolist()], [*change.tolist(), n]):  # runs of equal integrality
        chunk = body[int(ptr[j0]) * line:int(ptr[j1]) * line]
        out.extend((_MARK_INT, chunk, _MARK_END) if ints[j0] else (chunk,))

    # RHS (0 is the default): the lower bound of E and G rows, the upper one of L rows
    rhs = np.where(sense == ord("L"), rhi[rows], rlo[rows])
    k = np.flatnonzero(rhs != 0)
    out.append(b"RHS\n")
    out.append(_table(k.size, _text(" RHS "), names[k], _text(" "), _numbers(rhs[k]), _text("\n")))

    # BOUNDS (PuLP's rules; LO lines come before UP lines)
    fclo, fchi = np.isfinite(lo), np.isfinite(hi)
    fx = fclo & fchi & (lo == hi)
    bv = ~fx & ints & (lo == 0) & (hi == 1)
    rest = ~(fx | bv)
    out.append(b"BOUNDS\n")
    for kind, mask, vals in (
        ("FX", fx, lo), ("BV", bv, None), ("LO", rest & fclo & ((lo != 0) | (ints & ~fchi)), lo),
        ("MI", rest & ~fclo & fchi, None), ("FR", rest & ~fclo & ~fchi, None), ("UP", rest & fchi, hi),
    ):
        j = np.flatnonzero(mask)
        fields = [_text(f" {kind} BND C"), _digits(j, wc)]
        if vals is not None:
            fields += [_text(" "), _numbers(vals[j])]
        out.append(_table(j.size, *fields, _text("\n")))
    out.append(b"ENDATA\n")
    with open(path, "wb") as fh:
        fh.writelines(out)


def _read_cbc_solution(path: str, n: int) -> tuple[str, np.ndarray, np.ndarray]:
    """CBC's solution file (``-printingOptions all``): its status line, column values, found mask.

    The first line is the status (``Optimal - objective value 12``); then one line
    per row, then per column: ``[**] index name value reduced-cost`` (``**`` marks
    a value outside its bounds), read the way PuLP's ``readsol_MPS`` reads them.
    """
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().strip()
        tokens = fh.read().split()
    if "**" in tokens:
        tokens = [t for t in tokens if t != "**"]
    x, found = np.zeros(n), np.zeros(n, bool)
    if len(tokens) % 4:
        raise SolverError(f"CBC's solution file is not in the expected format (status line: {first!r})")
    names = tokens[1::4]
    cols = [k for k, name in enumerate(names) if name[:1] == "C"]
    if cols:
        j = np.array([int(names[k][1:]) for k in cols], np.int64)
        vals = np.array([tokens[4 * k + 2] for k in cols], dtype=float)
        ok = (j >= 0) & (j < n)
        x[j[ok]], found[j[ok]] = vals[ok], True
    return first, x, found


def _cbc_codes(status_line: str) -> tuple[int, int]:
    """PuLP 3's ``(status, sol_status)`` for CBC's solution-file status line.

    As PuLP 3's ``COIN_CMD.get_status`` reads it (first word; a ``Stopped ...``
    line whose fifth word is ``objective`` has a solution), and as PuLP 4's: a
    ``Stopped`` line saying ``no integer solution`` has none.
    """
    words = status_line.split()
    head = words[0] if words else ""
    status = {"Optimal": _ST_OPTIMAL, "Infeasible": _ST_INFEASIBLE, "Integer": _ST_INFEASIBLE,
              "Unbounded": _ST_UNBOUNDED, "Stopped": _ST_NOT_SOLVED}.get(head, _ST_UNDEFINED)
    sol = {"Optimal": _SOL_OPTIMAL, "Infeasible": _SOL_INFEASIBLE, "Unbounded": _SOL_UNBOUNDED}.get(head, _SOL_NONE)
    if (status == _ST_NOT_SOLVED and len(words) >= 5 and words[4] == "objective"
            and "no integer solution" not in status_line):
        status, sol = _ST_OPTIMAL, _SOL_INTEGER_FEASIBLE
    return status, sol


def _cbc_command(solver_obj: Any, mps: str, sol: str, *, maximise: bool) -> list[str]:
    """CBC's command line as PuLP's ``COIN_CMD.solve_CBC`` builds it, for our own MPS file."""
    args = [str(solver_obj.path), mps]
    if maximise:
        args.append("-max")
    if getattr(solver_obj, "timeLimit", None) is not None:
        args += ["-sec", f"{solver_obj.timeLimit}"]
    od = getattr(solver_obj, "optionsDict", None) or {}
    if od.get("presolve") is not None:
        args += ["-presolve", "on" if od["presolve"] else "off"]
    if od.get("cuts") is not None:
        args += ["-gomory", "on", "knapsack", "on", "probing", "on"] if od["cuts"] else ["-cuts", "off"]
    options = list(getattr(solver_obj, "options", None) or [])
    get_options = getattr(solver_obj, "getOptions", None)
    options += list(get_options()) if callable(get_options) else []
    for option in options:
        args += f"-{option}".split()
    args.append("-solve" if getattr(solver_obj, "mip", True) else "-initialSolve")
    args += ["-printingOptions", "all", "-solution", sol]
    return args


#: ``on_start(proc)`` of this thread, if set, is called with every CBC process it starts
#: (the race in ``_solvers`` uses it to stop CBC when HiGHS has won)
_started = threading.local()


#: seconds CBC is given to stop and write its portfolio once interrupted at its deadline, before it is killed
_CBC_INTERRUPT_WAIT = 1.0


@contextlib.contextmanager
def interrupt_at_limit(ready: Callable[[], bool]) -> Iterator[None]:
    """Within this block (in this thread), a CBC still running at its time limit is interrupted then, not at
    its deadline, once ``ready()`` says the caller holds a portfolio without it (``_solvers._GreedyBeside``):
    the grace past the limit is for a portfolio CBC may still write, which the caller no longer needs."""
    before = getattr(_started, "ready", None)
    _started.ready = ready
    try:
        yield
    finally:
        _started.ready = before


def _wait(proc: subprocess.Popen[bytes], started: float, deadline: float | None, limit: float | None) -> int:
    """``proc.wait()`` until ``deadline`` seconds after ``started`` (``subprocess.TimeoutExpired`` then), or
    from ``limit`` seconds on, as soon as the ``ready()`` of :func:`interrupt_at_limit` is true."""
    ready = getattr(_started, "ready", None)
    if deadline is None or limit is None or ready is None or limit >= deadline:
        return wait_process(proc, deadline)
    try:
        return wait_process(proc, limit)
    except subprocess.TimeoutExpired:
        pass
    while True:
        left = deadline - (time.monotonic() - started)
        if left <= 0 or ready():
            raise subprocess.TimeoutExpired(proc.args, deadline)
        try:
            return wait_process(proc, min(0.05, left))
        except subprocess.TimeoutExpired:
            continue


def _run_cbc(args: list[str], log_path: str, deadline: float | None = None, limit: float | None = None) -> str | None:
    """Run CBC with its output (stdout and stderr) in ``log_path``; SolverError if it fails.

    ``deadline`` seconds after its start (:func:`._base.hard_deadline` of its
    time limit) a CBC still running is interrupted, as Ctrl-C does: in its search it
    stops and writes its best portfolio.  One still running
    :data:`_CBC_INTERRUPT_WAIT` later is killed: CBC reads its clock only between
    steps, and with ``-timeMode elapsed`` its first LP was not interrupted at all
    (10,000 candidates, 12 periods, 5 resources: 9-13 s of LP under a 1 s limit).
    Within :func:`interrupt_at_limit` it is interrupted from its time limit
    ``limit`` on, once the caller holds a portfolio.
    Returns None, or what was done: ``"interrupted ..."`` (with ``"exit code"``
    when CBC did not end as asked: no portfolio then) or ``"killed ..."``.
    """
    with open(log_path, "wb") as log:
        try:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except OSError as exc:
            raise SolverError(f"cbc could not be started ({args[0]}): {exc}; {_INSTALL_CBC}") from exc
        started = time.monotonic()
        hook = getattr(_started, "on_start", None)
        if hook is not None:
            hook(proc)
        ended = None
        try:
            try:
                code = _wait(proc, started, deadline, limit)
            except subprocess.TimeoutExpired:
                ended = f"interrupted {time.monotonic() - started:.3g} s after it started"
                if os.name != "nt":  # Windows has no SIGINT for a process
                    proc.send_signal(signal.SIGINT)
                try:
                    code = wait_process(proc, _CBC_INTERRUPT_WAIT if os.name != "nt" else 0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    return f"killed {time.monotonic() - started:.3g} s after it started"
        except BaseException:  # interrupted: do not leave CBC running
            proc.kill()
            proc.wait()
            raise
    if code != 0 and ended is not None:  # the interrupt came before CBC listened for it
        return f"{ended}, and it ended with exit code {code}"
    if code != 0:
        raise SolverError(f"cbc ({args[0]}) exited with code {code}")
    return ended


# --------------------------------------------------------------------------- bounds of other solvers


def _valid_bound(bound: Any, objective_cx: float | None) -> float | None:
    """``bound`` as a float if it is finite and not below the objective (else None)."""
    try:
        b = float(bound)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(b) or abs(b) >= 1e30:
        return None
    if objective_cx is not None:
        tol = 1e-6 * max(1.0, abs(objective_cx))
        if b < objective_cx - tol:
            return None
        b = max(b, objective_cx)
    return b


def _other_bound(prob: Any, result: Any, objective_cx: float | None) -> float | None:
    """Best bound reported by a non-CBC solver (max sense of c.x), or None."""
    # PuLP 4: LpSolveStats.best_bound, already in the problem's sense
    b = _valid_bound(getattr(result, "best_bound", None), objective_cx)
    if b is not None:
        return b
    # PuLP 3 with highspy: the dual bound of the (possibly negated) objective
    model = getattr(prob, "solverModel", None)
    get_info = getattr(model, "getInfo", None)
    if get_info is None or objective_cx is None:
        return None
    try:
        info = get_info()
        dual, primal = float(info.mip_dual_bound), float(info.objective_function_value)
    except Exception:
        return None
    if abs(primal - objective_cx) <= abs(primal + objective_cx):
        candidates = (dual, -dual)
    else:
        candidates = (-dual, dual)
    for cand in candidates:
        b = _valid_bound(cand, objective_cx)
        if b is not None:
            return b
    return None


# --------------------------------------------------------------------------- solve


@contextlib.contextmanager
def _workdir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="portfolio-pulp-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def solve_pulp(model: CompiledModel, options: SolverOptions, solver: str = "cbc") -> RawSolution:
    """Solve ``model`` (a maximisation) with CBC or another solver through PuLP.

    ``solver`` is ``"cbc"`` or a PuLP solver name, case-insensitive (``"GLPK_CMD"``,
    ``"HiGHS"``, ``"SCIP_PY"``), or a name from :func:`available_pulp_solvers`.
    CBC (``"cbc"`` and its aliases) is run directly on an MPS file written from the
    arrays (:func:`_solve_cbc`); the other solvers get a PuLP model.
    Raises :class:`SolverError` when the solver is missing or fails.
    """
    pulp = _import_pulp()
    pulp_ver = pulp_version()
    name, is_cbc = _resolve(pulp, solver)
    solver_name = "cbc" if is_cbc else name.lower()
    A = _check(model)

    why = _trivially_infeasible(model, A)
    if why is not None or model.n_cols == 0:
        # decided without calling the solver (PuLP cannot be handed an empty model)
        if why is not None:
            st, x, obj, msg = Status.INFEASIBLE, None, None, f"infeasible: {why}"
        else:
            st, x, obj, msg = Status.OPTIMAL, np.zeros(0), float(model.offset), "empty model (no columns)"
        return RawSolution(st, x, obj, obj, solver_name, _fallback_version(pulp_ver, is_cbc), 0.0, msg)

    if is_cbc:
        if options.warm_start is not None:
            # CBC 2.10 through PuLP has been seen to return a warm start as "optimal" when
            # a better portfolio existed (a start-time problem, reproduced): CBC never
            # gets one.  The start is still validated, as for every backend.
            _warm_start_values(model, options.warm_start)
        return _solve_cbc(pulp, name, model, A, options, pulp_ver)
    return _solve_other(pulp, name, model, A, options, pulp_ver)


def _solution(model: CompiledModel, A: sp.csr_matrix, x: np.ndarray, notes: list[str]) -> tuple[np.ndarray, float]:
    """``x`` with integers rounded, and c.x; notes a bound violation."""
    x = np.asarray(x, dtype=float).copy()
    ints = np.asarray(model.integrality) == 1
    x[ints] = np.round(x[ints])
    cx = float(np.asarray(model.c, float) @ x)
    worst = _violation(model, A, x)
    if worst > 1e-6 * max(1.0, float(np.max(np.abs(x), initial=0.0))):
        notes.append(f"the solution violates a bound by {worst:.3g}")
    return x, cx


def _solve_cbc(pulp: Any, name: str, model: CompiledModel, A: sp.csr_matrix, options: SolverOptions,
               pulp_ver: str) -> RawSolution:
    """CBC on an MPS file written from the arrays, run as PuLP's ``name`` class would run it.

    PuLP's solver object gives the binary and the options (``_cbc_command``).
    PuLP 3's bundled CBC 2.10.3 (``PULP_CBC_CMD``) gets the maximisation with
    ``-max``, as PuLP 3 hands it over; any other CBC gets the negated objective, as
    PuLP 4 hands it over: CBC master (cbcbox) does not take ``-max`` ("Multiple
    matches for `max'") and would minimise.
    """
    kwargs: dict[str, Any] = {
        "msg": False,  # CBC's output goes to a log file (copied to stderr when options.msg)
        "timeLimit": None if options.time_limit is None else float(options.time_limit),
        "gapRel": float(options.mip_gap),
        # CBC is serial unless asked for threads; "-threads 1" switches it to its parallel code
        # with one thread, which was 3x slower (mknapcb1-1: 1.8 s -> 5.4 s): one thread = no flag
        "threads": int(options.threads) if options.threads and options.threads > 1 else None,
    }
    try:
        solver_obj = _make_solver(pulp, name, {k: v for k, v in kwargs.items() if v is not None})
    except Exception as exc:
        raise SolverError(f"could not set up PuLP solver {name}: {exc}") from exc
    path = getattr(solver_obj, "path", None)
    if not path:
        raise SolverError(f"PuLP's {name} has no CBC binary; {_INSTALL_CBC}")
    base_options = list(getattr(solver_obj, "options", None) or []) + _cbc_orbit_option(path)
    maximise = name == "PULP_CBC_CMD"
    for strict in (False, True):
        # CBC master was seen to return a column at 0.99999 (inside its tolerances) that, rounded,
        # overspent a budget by 1e-5 of it: such a run is repeated once with tight tolerances
        solver_obj.options = base_options + (list(_STRICT_CBC) if strict else [])
        status, x, cx, log, m, notes, seconds = _cbc_attempt(solver_obj, model, A, options, pulp_ver, name, maximise)
        if x is None or strict or _violation(model, A, x) <= 1e-9 * max(1.0, float(np.max(np.abs(model.row_hi[
                np.isfinite(model.row_hi)]), initial=0.0))):
            break
    objective = None if cx is None else cx + float(model.offset)

    # the bound, for c.x (shifted by the offset below)
    bound_cx: float | None = None
    if status == Status.OPTIMAL and "within gap" not in (m.group(1) if m else ""):
        bound_cx = cx  # proven optimal
    elif status.has_solution:
        bound_cx, note = _cbc_bound(log, cx)
        if note:
            notes.append(note)
    # NO_SOLUTION: no bound (nothing to check CBC's against; see _cbc_bound)
    if status == Status.OPTIMAL and bound_cx is None:
        bound_cx = cx + float(options.mip_gap) * abs(cx) if options.mip_gap > 0 else cx
    return RawSolution(
        status=status,
        x=x,
        objective=objective,
        bound=None if bound_cx is None else float(bound_cx + model.offset),
        solver="cbc",
        version=_cbc_version(log) or _fallback_version(pulp_ver, True),
        seconds=seconds,
        message="; ".join(notes),
    )


_STRICT_CBC = ("primalTolerance 1e-9", "integerTolerance 1e-9")


def _cbc_attempt(solver_obj: Any, model: CompiledModel, A: sp.csr_matrix, options: SolverOptions, pulp_ver: str,
                 name: str, maximise: bool) -> tuple[Status, Any, Any, str, Any, list[str], float]:
    """One CBC run: (status, rounded x or None, c.x or None, log, result match, notes, seconds)."""
    with _workdir() as work:
        mps, sol, log_path = (os.path.join(work, f) for f in ("model.mps", "model.sol", "cbc.log"))
        t0 = time.perf_counter()
        try:
            _write_mps(mps, model, A, negate=not maximise)
            limit = options.time_limit
            if limit is not None:  # the limit counts from before the file was written (~2 s of a 60 s limit
                limit = max(0.01, float(limit) - (time.perf_counter() - t0))  # at 227,000 columns)
                solver_obj.timeLimit = limit
            ran = time.perf_counter()
            ended = _run_cbc(_cbc_command(solver_obj, mps, sol, maximise=maximise), log_path,
                             hard_deadline(limit), limit)
            ran = time.perf_counter() - ran
            if ended is not None and (ended.startswith("killed") or "exit code" in ended or not os.path.exists(sol)):
                seconds = time.perf_counter() - t0
                log = _read(log_path)
                if options.msg and log:
                    sys.stderr.write(log)
                note = f"CBC was still running past its time limit of {options.time_limit:g} s and was {ended}"
                return Status.NO_SOLUTION, None, None, log, None, [note], seconds
            if not os.path.exists(sol):
                raise SolverError("cbc wrote no solution file")
            status_line, values, found = _read_cbc_solution(sol, model.n_cols)
        except (SolverError, OSError) as exc:
            log = _read(log_path)
            if options.msg and log:
                sys.stderr.write(log)
            detail = f"\n{_tail(log)}" if log else ""
            raise SolverError(f"cbc failed (PuLP {pulp_ver}'s {name}): {exc}{detail}") from exc
        seconds = time.perf_counter() - t0
        log = _read(log_path)
    if options.msg and log:
        sys.stderr.write(log)
        sys.stderr.flush()

    codes = _cbc_codes(status_line)
    status = _map_status(*codes)
    notes = [f"CBC status: {status_line}"]
    if status == Status.INFEASIBLE and limit is not None and ran >= limit:
        # CBC 2.10's preprocessing, stopped by the clock, says "infeasible" ("Cut generators found to be
        # infeasible!", "Pre-processing says infeasible"): 1,000 feasible candidates over 12 periods, 0.09 s
        status = Status.NO_SOLUTION
        notes.append(f"CBC reported infeasible only once its time limit ({limit:.3g} s) had passed "
                     f"({ran:.3g} s): not trusted, no portfolio")
    if ended is not None:
        notes.append(f"CBC was {ended}, past its time limit of {options.time_limit:g} s")
    m = _RE_RESULT.search(log)
    if m:
        notes.append(f"CBC: {m.group(1)}")
    if codes[0] == _ST_UNBOUNDED:
        notes.append("the model is unbounded")

    x = cx = None
    if status.has_solution:
        if not found.all():
            values = np.where(found, values, _default_x(model))
        x, cx = _solution(model, A, values, notes)

    return status, x, cx, log, m, notes, seconds


def _solve_other(pulp: Any, name: str, model: CompiledModel, A: sp.csr_matrix, options: SolverOptions,
                 pulp_ver: str) -> RawSolution:
    """A solver other than CBC, through a PuLP model."""
    solver_name = name.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob, xs = _build(pulp, model, A)
        warm = options.warm_start is not None
        if warm:
            _set_warm_start(model, xs, options.warm_start)  # validated here

    with _workdir() as work:
        kwargs: dict[str, Any] = {
            "msg": bool(options.msg),
            "timeLimit": None if options.time_limit is None else float(options.time_limit),
            "gapRel": float(options.mip_gap),
            "threads": int(options.threads) if options.threads else None,
            "warmStart": warm,
        }
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            solver_obj = _make_solver(pulp, name, kwargs)
        except Exception as exc:
            raise SolverError(f"could not set up PuLP solver {name}: {exc}") from exc
        if hasattr(solver_obj, "tmpDir"):
            solver_obj.tmpDir = work  # PuLP's model/solution files die with the folder
        t0 = time.perf_counter()
        try:
            # the solver may print from C code: descriptor 1 goes to stderr meanwhile
            with warnings.catch_warnings(), stdout_to_stderr():
                warnings.simplefilter("ignore")
                result = prob.solve(solver_obj)
        except Exception as exc:
            raise SolverError(f"{solver_name} failed through PuLP {pulp_ver}: {exc}") from exc
        seconds = time.perf_counter() - t0

    # -- status
    if hasattr(result, "has_solution"):  # PuLP 4: LpSolveStats
        stop = int(result.status)
        codes = _v4_codes(stop, bool(result.has_solution))
        pulp_msg = f"PuLP status {getattr(result, 'status_str', stop)}"
    else:  # PuLP 3: status int, prob.sol_status
        codes = (int(prob.status), getattr(prob, "sol_status", None))
        pulp_msg = f"PuLP status {pulp.LpStatus.get(codes[0], codes[0])}, solution status {codes[1]}"
    status = _map_status(*codes)
    notes = [pulp_msg]
    if codes[0] == _ST_UNBOUNDED or codes[1] == _SOL_UNBOUNDED:
        notes.append("the model is unbounded")

    # -- solution
    x = objective = cx = None
    if status.has_solution:
        values = [v.varValue for v in xs]
        if any(v is None for v in values):
            fill = _default_x(model)  # columns in no row and not in the objective
            values = [fill[j] if v is None else v for j, v in enumerate(values)]
        x, cx = _solution(model, A, np.asarray(values, dtype=float), notes)
        objective = cx + float(model.offset)

    # -- bound (computed for c.x, then shifted by the offset)
    bound_cx = _other_bound(prob, result, cx) if status.has_solution else None
    if status == Status.OPTIMAL and bound_cx is None:
        bound_cx = cx + float(options.mip_gap) * abs(cx) if options.mip_gap > 0 else cx
    bound = None if bound_cx is None else float(bound_cx + model.offset)

    return RawSolution(
        status=status,
        x=x,
        objective=objective,
        bound=bound,
        solver=solver_name,
        version=_fallback_version(pulp_ver, False),
        seconds=seconds,
        message="; ".join(notes),
    )
