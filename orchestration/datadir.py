"""The data directory (``CHATOPS_DATA_DIR``): the embedded server's database and log, the
email outbox, scrape output and the Slack stand-in's state. It is private to the user running
chatops: the directory is 0700, and the processes that write in it run with umask 077."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077
SETTING = "CHATOPS_DATA_DIR"


class DataDirError(Exception):
    """The data directory cannot be made private to this user; the message says why."""


def private_data_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700, or tighten an existing one of ours to 0700.

    Raises:
        DataDirError: it cannot be created, is not a directory, belongs to another user, or is
            a shared directory such as ``/tmp`` (writable by everyone), whose mode is not ours
            to change.
    """
    info = _made(path)
    if not stat.S_ISDIR(info.st_mode):
        raise DataDirError(f"the data directory {path} is not a directory; set {SETTING}")
    if info.st_uid != os.geteuid():
        raise DataDirError(
            f"the data directory {path} belongs to another user (uid {info.st_uid}); set "
            f"{SETTING} to a directory of your own"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_ISVTX | stat.S_IWOTH):
        raise DataDirError(
            f"the data directory {path} is shared (mode {mode:o}, writable by everyone); set "
            f"{SETTING} to a directory of its own"
        )
    if mode & ~PRIVATE_DIR_MODE:
        _tighten(path, mode)
    return path


def _made(path: Path) -> os.stat_result:
    """Create ``path`` (mode 0700) unless it exists; what is there now."""
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        return path.stat()
    except FileExistsError:  # mkdir's answer when a file has the name
        raise DataDirError(f"the data directory {path} is not a directory; set {SETTING}") from None
    except OSError as err:
        raise DataDirError(
            f"cannot create the data directory {path} ({err.strerror or err}); set {SETTING}"
        ) from None


def _tighten(path: Path, mode: int) -> None:
    """Our own directory, open to others (``mode``): make it 0700, and say so."""
    try:
        path.chmod(PRIVATE_DIR_MODE)
    except OSError as err:
        raise DataDirError(
            f"cannot make the data directory {path} private ({err.strerror or err})"
        ) from None
    log.warning(
        "the data directory %s was open to other users (mode %o); it is now %o",
        path,
        mode,
        PRIVATE_DIR_MODE,
    )


def private_files() -> None:
    """Make every file and directory this process (and its children) creates private."""
    os.umask(PRIVATE_UMASK)
