"""One HiGHS run on a compiled model's arrays, with numpy and highspy only.

``_highs`` uses these functions in-process.  The race runs this file as a
script in a process of its own (``python -c`` loading it by path, see
``_highs.solve_highs_process``), so that HiGHS can be stopped at once by
ending that process: inside some root-node heuristics HiGHS checks neither its
time limit nor its interrupt callback (seen: 10 s past a 10 s limit at 10,000
candidates with 5 resources), and a thread cannot be stopped from outside.
Nothing here imports ``portfolio_opt``: the process starts with numpy and
highspy alone (~0.25 s).

Script use: ``WORKDIR`` holds ``model.npz`` (the arrays, columnwise) and
``settings.json``; the run writes ``started`` once highspy is imported and the
model read, then ``result.json`` and, with a solution,
``x.npy``; while it runs, each better portfolio goes to ``incumbent.npy`` with
the dual bound of that moment in ``incumbent.json`` (what is left when the
process is ended early).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import numpy as np

INF = 1e30  # HiGHS' infinity
#: written once the process has imported highspy and read its model (before HiGHS runs)
STARTED = "started"


def fin(a: Any) -> np.ndarray:
    """Bounds clipped to HiGHS' infinity."""
    return np.clip(np.asarray(a, float), -INF, INF)


def configure(h: Any, settings: dict[str, Any]) -> None:
    """Options from ``settings``: msg, log_file, time_limit, mip_gap, threads, extra, objective_target."""
    h.setOptionValue("output_flag", bool(settings.get("msg")))
    h.setOptionValue("log_to_console", False)
    if settings.get("log_file"):
        h.setOptionValue("log_file", str(settings["log_file"]))
    if settings.get("time_limit") is not None:
        h.setOptionValue("time_limit", float(settings["time_limit"]))
    h.setOptionValue("mip_rel_gap", float(settings.get("mip_gap", 0.0)))
    h.setOptionValue("threads", int(settings.get("threads") or 0))
    for key, val in settings.get("extra", ()):
        h.setOptionValue(key, val)
    if settings.get("objective_target") is not None:
        h.setOptionValue("objective_target", float(settings["objective_target"]))


def load(h: Any, highspy: Any, a: dict[str, np.ndarray], warm_start: np.ndarray | None) -> bool:
    """Hand the model over in one ``passModel`` call (maximise); False if HiGHS rejects it."""
    n, m = len(a["c"]), len(a["row_lo"])
    status = h.passModel(
        n, m, int(len(a["data"])), 1, -1, float(a["offset"]),  # colwise, maximise
        np.asarray(a["c"], float), fin(a["col_lo"]), fin(a["col_hi"]), fin(a["row_lo"]), fin(a["row_hi"]),
        np.asarray(a["indptr"], np.int32), np.asarray(a["indices"], np.int32), np.asarray(a["data"], float),
        np.asarray(a["integrality"], np.int32),
    )
    if status == highspy.HighsStatus.kError:
        return False
    if warm_start is not None and n:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(warm_start, float))
        sol.value_valid = True
        h.setSolution(sol)
    return True


def outcome(h: Any, highspy: Any, n: int) -> dict[str, Any]:
    """What the run left: model status name, solution (or None), dual bound, version."""
    ms = h.getModelStatus()
    info = h.getInfo()
    has_sol = bool(n == 0 or info.primal_solution_status == 2)  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, float) if has_sol and n else (np.zeros(0) if has_sol else None)
    b = getattr(info, "mip_dual_bound", None)
    return {
        "status": highspy.HighsModelStatus(ms).name,
        "message": h.modelStatusToString(ms),
        "x": x,
        "dual_bound": float(b) if b is not None and np.isfinite(b) and abs(b) < INF else None,
        "version": f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
    }


def _save_incumbent(workdir: str, data: Any, version: str) -> None:
    """Keep the run's latest portfolio and dual bound, for a caller that ends the process early."""
    x = np.asarray(data.mip_solution, float)
    b = float(data.mip_dual_bound)
    np.save(os.path.join(workdir, "incumbent.part.npy"), x)
    os.replace(os.path.join(workdir, "incumbent.part.npy"), os.path.join(workdir, "incumbent.npy"))
    tmp = os.path.join(workdir, "incumbent.json.part")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"dual_bound": b if np.isfinite(b) and abs(b) < INF else None, "version": version}, fh)
    os.replace(tmp, os.path.join(workdir, "incumbent.json"))


def main(workdir: str) -> int:
    """Run HiGHS on ``workdir``'s model and write its outcome there (the script's entry point)."""
    import highspy

    with np.load(os.path.join(workdir, "model.npz")) as z:
        a = {k: z[k] for k in z.files}
    with open(os.path.join(workdir, "settings.json"), encoding="utf-8") as fh:
        settings = json.load(fh)
    open(os.path.join(workdir, STARTED), "wb").close()  # this Python has numpy and highspy: HiGHS runs from here
    h = highspy.Highs()
    configure(h, settings)
    warm = a.pop("warm_start", None)
    if a["integrality"].any():
        version = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
        h.cbMipImprovingSolution.subscribe(lambda e: _save_incumbent(workdir, e.data_out, version))
    out: dict[str, Any]
    if not load(h, highspy, a, warm):
        out = {"error": "HiGHS rejected the model (passModel returned an error)"}
    else:
        t0 = time.perf_counter()
        run = h.run()
        seconds = time.perf_counter() - t0
        if run == highspy.HighsStatus.kError:
            out = {"error": f"HiGHS failed: {h.modelStatusToString(h.getModelStatus())}"}
        else:
            out = outcome(h, highspy, len(a["c"]))
            out["seconds"] = seconds
            x = out.pop("x")
            out["has_solution"] = x is not None
            if x is not None:
                np.save(os.path.join(workdir, "x.npy"), x)
    tmp = os.path.join(workdir, "result.json.part")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    os.replace(tmp, os.path.join(workdir, "result.json"))
    return 0


if __name__ == "__main__":  # pragma: no cover - run in a child process
    sys.exit(main(sys.argv[1]))
