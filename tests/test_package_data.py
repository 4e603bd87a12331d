"""The files chatops reads at run time are package data, and the repository's copies of them
are the same files.

``policy.yml`` and ``manifest.yml`` stay at the repository's root for people (the policy to
copy and edit, the manifest to create the Slack app from); the installed ones are
``orchestration/policy.yml`` and ``slacksim/manifest.yml``. Change the packaged file and copy
it to the root.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.settings import Settings, default_policy_file
from slacksim.manifest import DEFAULT_MANIFEST_PATH, load_manifest

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = {
    "policy.yml": ROOT / "orchestration" / "policy.yml",
    "manifest.yml": ROOT / "slacksim" / "manifest.yml",
}


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_the_root_copy_is_the_packaged_file(name: str) -> None:
    assert (ROOT / name).read_text() == PACKAGED[name].read_text(), (
        f"{name} differs from {PACKAGED[name].relative_to(ROOT)}; copy the packaged file over it"
    )


def test_the_stand_in_enforces_the_packaged_manifest() -> None:
    assert DEFAULT_MANIFEST_PATH.samefile(PACKAGED["manifest.yml"])
    assert load_manifest().declares("/workflow")


def test_a_policy_file_of_ones_own_wins_over_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHATOPS_POLICY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_policy_file().samefile(PACKAGED["policy.yml"])
    assert Settings().policy_file.samefile(PACKAGED["policy.yml"])

    (tmp_path / "policy.yml").write_text("rules: []\n")
    assert Settings().policy_file == Path("policy.yml")
    monkeypatch.setenv("CHATOPS_POLICY_FILE", "elsewhere.yml")
    assert Settings().policy_file == Path("elsewhere.yml")
