"""The public surface: what is exported, typed and shipped."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import clientops

ROOT = Path(__file__).resolve().parents[1]


def test_all_is_unique_and_resolvable() -> None:
    names = clientops.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(clientops, name) is not None


def test_version_comes_from_the_installed_package() -> None:
    assert clientops.__version__ == version("clientops")


def test_importing_does_no_work(tmp_path: Path) -> None:
    probe = (
        "import gc, os, pluggy, clientops\n"
        "managers = [o for o in gc.get_objects() if isinstance(o, pluggy.PluginManager)]\n"
        "print(len(managers), sorted(os.listdir('.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0 []"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("clientops-*.whl")
    return built


def test_the_wheel_ships_every_module_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "clientops/py.typed" in names
    sources = {str(p.relative_to(ROOT / "src")) for p in (ROOT / "src" / "clientops").rglob("*.py")}
    assert sources <= names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    for dependency in ("attrs", "cattrs", "pluggy", "phonenumbers"):
        assert f"Requires-Dist: {dependency}" in text
