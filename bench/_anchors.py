"""Finds and imports the shared performance anchors (``../shared/anchors`` beside the project,
or the folder ``CLIENTOPS_ANCHORS`` names), so each benchmark runs its anchor on the same
fixed-seed workload in the same process."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType


def folder(script: str, needed: tuple[str, ...] = ()) -> Path:
    """The anchors' folder; exits with a message naming what is missing."""
    env = os.environ.get("CLIENTOPS_ANCHORS")
    where = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "anchors"
    wanted = ("harness.py", "workloads.py", *needed)
    if not all((where / name).is_file() for name in wanted):
        how = "CLIENTOPS_ANCHORS" if env else "the default location"
        raise SystemExit(
            f"{script}: the shared anchors ({', '.join(wanted)}) are not in {where} ({how}). "
            "Check out shared/ beside the project, or set CLIENTOPS_ANCHORS to the folder that "
            "holds harness.py."
        )
    return where


def load(script: str) -> tuple[ModuleType, ModuleType]:
    """The anchors' ``harness`` and ``workloads`` modules."""
    where = str(folder(script))
    if where not in sys.path:
        sys.path.insert(0, where)
    return importlib.import_module("harness"), importlib.import_module("workloads")


def load_script(script: str, name: str) -> ModuleType:
    """The anchor script ``name`` (e.g. ``bench_docs.py``), loaded from its file under the name
    ``anchor_<stem>``: our benchmark of the same name would otherwise shadow it."""
    where = folder(script, (name,))
    spec = importlib.util.spec_from_file_location(f"anchor_{Path(name).stem}", where / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def card_phone(text: str) -> str:
    """The workload's phone as a card may hold it, in E.164. The workload draws mobile numbers
    at random (``+7 9xx …``); about 2 in 10,000 fall in a range phonenumbers does not know as
    valid, which a card refuses. Those get the operator code 900 with the same subscriber
    number, so both sides of a benchmark store the same number of phones."""
    import phonenumbers

    e164 = "+" + "".join(ch for ch in text if ch.isdigit())
    if phonenumbers.is_valid_number(phonenumbers.parse(e164, None)):
        return e164
    return e164[:2] + "900" + e164[5:]
