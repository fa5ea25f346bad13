"""Every notebook in notebooks/ runs top to bottom, and is kept in git without outputs.

The notebooks are executed with nbclient in a fresh kernel (the interpreter running the tests,
with its environment, so the package under test is the one imported), from the notebooks folder
as a reader would open them. They need the dev dependencies nbclient, nbformat and ipykernel.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds, per cell: the slowest cell solves the 60-project sample a few times


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


def _in_git(path: Path) -> bool:
    try:
        p = subprocess.run(["git", "ls-files", "--error-unmatch", str(path.relative_to(ROOT))], cwd=ROOT,
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return p.returncode == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    """Outputs are not kept in git (they would bloat diffs and go stale); this checks the working copy,
    which is what gets committed, and the committed copy when there is one."""
    versions = {"working copy": path.read_text(encoding="utf-8")}
    if _in_git(path):
        shown = subprocess.run(["git", "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"], cwd=ROOT,
                               capture_output=True, text=True, timeout=30)
        if shown.returncode == 0:
            versions["committed"] = shown.stdout
    for where, text in versions.items():
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), \
            f"{path.name}: start with a markdown cell saying the goal"
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, \
                    f"{path.name} ({where}), cell {k}: clear the outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    env_path = os.pathsep.join(p for p in [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p)
    monkeypatch.setenv("PYTHONPATH", env_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    nb = nbformat.read(path, as_version=4)
    # kernel "python3" starts this interpreter: jupyter_client puts sys.executable for a kernel command "python"
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    problems = []
    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {k}: {out.ename}: {out.evalue}")
            text = out.get("text", "") if out.output_type == "stream" and out.name == "stderr" else ""
            if "Warning" in text and "ConsistencyWarning" not in cell.source:
                problems.append(f"cell {k} warns: {text.strip()[:300]}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
