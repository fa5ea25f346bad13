"""Keep solver banners and logs off standard output (the engine promises JSON only there)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.RLock()


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at standard error for the duration (C-level output included)."""
    with _lock:
        try:
            sys.stdout.flush()
            fd_out = sys.stdout.fileno()
            fd_err = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            # no real descriptors (e.g. a notebook's captured streams): nothing to redirect
            yield
            return
        saved = os.dup(fd_out)
        try:
            os.dup2(fd_err, fd_out)
            yield
        finally:
            try:
                sys.stdout.flush()
            except (OSError, ValueError):  # pragma: no cover
                pass
            os.dup2(saved, fd_out)
            os.close(saved)
