"""The data directory is private: created 0700, tightened when ours, refused when not."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from orchestration.datadir import DataDirError, private_data_dir

pytestmark = pytest.mark.unit


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_is_private_whatever_the_umask(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        made = private_data_dir(tmp_path / "a" / "data")
    finally:
        os.umask(before)
    assert (made, mode(made)) == (tmp_path / "a" / "data", 0o700)


def test_an_open_data_dir_of_ours_is_tightened_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="orchestration.datadir"):
        private_data_dir(data)
    assert mode(data) == 0o700
    assert caplog.messages == [
        f"the data directory {data} was open to other users (mode 755); it is now 700"
    ]


def test_a_shared_directory_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(DataDirError) as refused:
        private_data_dir(shared)
    assert str(refused.value) == (
        f"the data directory {shared} is shared (mode 1777, writable by everyone); set "
        "CHATOPS_DATA_DIR to a directory of its own"
    )
    assert mode(shared) == 0o1777


def test_a_file_is_not_a_data_dir(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataDirError, match="is not a directory; set CHATOPS_DATA_DIR"):
        private_data_dir(tmp_path / "file")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory away")
def test_another_users_data_dir_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o755)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(DataDirError) as refused:
        private_data_dir(theirs)
    assert str(refused.value) == (
        f"the data directory {theirs} belongs to another user (uid 65534); set "
        "CHATOPS_DATA_DIR to a directory of your own"
    )
    assert mode(theirs) == 0o755
