"""Keep solver banners and logs off standard output (the engine promises JSON only there)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.RLock()


@contextlib.contextmanager
def stdout_to_stderr(discard: bool = False) -> Iterator[None]:
    """Point file descriptor 1 at standard error for the duration (C-level output included), or with
    ``discard`` at the null device (HiGHS's banner, which its first ``Highs()`` of a process prints
    before any option can turn it off: in a notebook it showed as an error box on the first solve)."""
    with _lock:
        try:
            sys.stdout.flush()
        except (AttributeError, OSError, ValueError):
            pass
        try:
            saved = os.dup(1)
        except OSError:  # no descriptor 1 at all: nothing to protect
            yield
            return
        try:
            if discard:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.close(null)
            else:
                os.dup2(2, 1)
            yield
        finally:
            try:
                sys.stdout.flush()
            except (AttributeError, OSError, ValueError):  # pragma: no cover
                pass
            os.dup2(saved, 1)
            os.close(saved)
