"""A child of ``chatops up`` ends with it: refused when its parent is already gone, and
stopped by its watcher thread where Linux's death signal is not available."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

import pytest

from cli.lifeline import PARENT_ENV
from tests.cli.test_cli import ROOT, chatops
from tests.helpers import assert_eventually, isolated_env

# Starts a grandchild that follows this script's process without PR_SET_PDEATHSIG (as on
# systems other than Linux), prints its pid, and exits.
ORPHAN = textwrap.dedent(
    f"""
    import os, subprocess, sys
    follower = '''
    import sys, time
    sys.platform = "darwin"
    from cli.lifeline import follow_parent
    assert follow_parent()
    print("following", flush=True)
    time.sleep(60)
    '''
    env = dict(os.environ, {PARENT_ENV}=str(os.getpid()))
    child = subprocess.Popen([sys.executable, "-c", follower], env=env, stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"following\\n"
    print(child.pid, flush=True)
    """
)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has ended, it only waits to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


async def test_a_child_whose_parent_is_already_gone_does_not_start() -> None:
    env, _ = isolated_env()
    env[PARENT_ENV] = "1"  # not the parent of the process chatops runs in
    run = await chatops("worker", env=env)
    assert run.code == 1
    assert run.err.strip() == "error: chatops up, which started this worker, is gone"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")
async def test_without_the_death_signal_the_watcher_stops_an_orphan() -> None:
    script = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ORPHAN, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(script.communicate(), 30)
    assert script.returncode == 0
    orphan = int(out)
    try:
        await assert_eventually(lambda: alive(orphan), lambda a: not a, what="the orphan gone")
    finally:
        if alive(orphan):
            os.kill(orphan, 9)
