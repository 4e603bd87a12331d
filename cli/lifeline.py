"""The worker and the bot that ``chatops up`` starts end with it, even when it is killed
outright (SIGKILL, the OOM killer), when no ``finally`` of its own can run.

``chatops up`` names itself in the children's environment. A child then asks Linux for a
SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), which stops it as Ctrl-C would, and also
watches its parent from a thread: the way it notices elsewhere, and the bound on a clean stop
that hangs. The embedded Temporal server gets the same signal from Linux (see
:mod:`orchestration.embedded_temporal`).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping, MutableMapping

log = logging.getLogger(__name__)

PARENT_ENV = "CHATOPS_PARENT_PID"
WATCH_INTERVAL = 0.5
# How long a child may take to stop cleanly once its parent is gone.
STOP_GRACE = 30.0
_PR_SET_PDEATHSIG = 1


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` plus this process's id, for a child that must end with this process."""
    return {**env, PARENT_ENV: str(os.getpid())}


def follow_parent(env: MutableMapping[str, str] = os.environ) -> bool:
    """If ``env`` names a parent, arrange to stop when it dies; False if it is already gone.

    Call before anything else starts: the check against the parent's id closes the race with
    a parent that died before the death signal was asked for. The name is taken out of
    ``env``, so that nothing this process starts inherits it.
    """
    text = env.pop(PARENT_ENV, "")
    if not text.isdigit():
        return True
    parent = int(text)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:
        return False
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
    return True


def _watch(parent: int) -> None:
    # A parent that dies re-parents this process, so its parent id changes.
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    log.warning("chatops up (pid %s) is gone; stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_GRACE)
    log.error("did not stop within %.0fs of chatops up going away; exiting now", STOP_GRACE)
    logging.shutdown()
    os._exit(1)
