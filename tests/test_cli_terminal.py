"""The command as a person sees it: run under a real pseudo-terminal (``os.openpty``, 100×30),
its output played on a small screen emulator. The progress bar is drawn while the outbox is
delivered (its first and last frame), then cleared, and the screen ends with the summary
line; with pipes instead of a terminal no bar is drawn at all."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

import clientops

PLUGIN = """\
from clientops import hookimpl


@hookimpl
def clientops_register_deliverer(register):
    register("acme.note", lambda message: None)
"""

MESSAGES = 250
SUMMARY = f"Доставлено: {MESSAGES}, отложено: 0, не доставлено совсем: 0, перехвачено: 0."
_CONTROL = re.compile(r"\x1b\[(?P<args>[?0-9;]*)(?P<op>[A-Za-z])|\r\n|[\r\n]")


class Screen:
    """Enough of a terminal for rich's live display: text, carriage return, line feed,
    cursor up (``ESC [ n A``), erase line (``ESC [ 2 K``); colours and the cursor's
    visibility are ignored."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.row = 0
        self.col = 0

    def write(self, text: str) -> None:
        at = 0
        for match in _CONTROL.finditer(text):
            self._put(text[at : match.start()])
            at = match.end()
            token = match.group(0)
            if token in ("\r\n", "\n"):
                self.row += 1
                self.col = 0
                if self.row == len(self.lines):
                    self.lines.append("")
            elif token == "\r":
                self.col = 0
            elif match["op"] == "A":
                self.row = max(0, self.row - int(match["args"] or 1))
            elif match["op"] == "K":
                self.lines[self.row] = (
                    "" if match["args"] == "2" else self.lines[self.row][: self.col]
                )
        self._put(text[at:])

    def _put(self, text: str) -> None:
        if text:
            line = self.lines[self.row].ljust(self.col)
            self.lines[self.row] = line[: self.col] + text + line[self.col + len(text) :]
            self.col += len(text)

    def text(self) -> list[str]:
        return [line.rstrip() for line in self.lines if line.strip()]


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``python -m clientops ARGS`` with its stdin, stdout and stderr on a new pty; the
    exit code and everything it wrote to the terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "clientops", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the terminal (EIO on Linux)
                    break
                if not data:
                    break
                received += data
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, received.decode("utf-8")


@pytest.fixture
def department(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A store with an outbox to deliver, and the configuration loading its deliverer."""
    (tmp_path / "acme_terminal.py").write_text(PLUGIN, encoding="utf-8")
    (tmp_path / "ops.toml").write_text(
        'store = "sqlite:///ops.db"\n[plugins]\nload = ["acme_terminal"]\n', encoding="utf-8"
    )
    with clientops.connect(f"sqlite:///{tmp_path / 'ops.db'}") as ops:
        for n in range(MESSAGES):
            ops.outbox.enqueue("acme.note", {"n": n}, key=f"note-{n}")
    src = Path(clientops.__file__).parents[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLIENTOPS_")},
        "PYTHONPATH": os.pathsep.join((str(src), str(tmp_path))),
        "CLIENTOPS_CONFIG": "ops.toml",
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    return tmp_path, env


def test_the_progress_bar_is_drawn_then_cleared_and_the_summary_remains(
    department: tuple[Path, dict[str, str]],
) -> None:
    folder, env = department
    code, output = run_in_terminal(["outbox", "deliver", "--limit", "10"], folder, env)
    assert code == 0, output
    frames = [f for f in re.split(r"[\r\n]", re.sub(r"\x1b\[[?0-9;]*[A-Za-z]", "", output)) if f]
    bars = [f for f in frames if f.lstrip(" ⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏").startswith("Доставка ━")]
    assert bars, output  # the bar was drawn
    assert bars[0].endswith(f"  0/{MESSAGES}")
    assert bars[-1].endswith(f"{MESSAGES}/{MESSAGES}")
    screen = Screen()
    screen.write(output)
    assert screen.text() == [SUMMARY]  # the bar is gone, the summary reads right


def test_the_english_screen_and_a_second_run(department: tuple[Path, dict[str, str]]) -> None:
    folder, env = department
    code, output = run_in_terminal(["--lang", "en", "outbox", "deliver"], folder, env)
    assert code == 0, output
    screen = Screen()
    screen.write(output)
    assert screen.text() == [f"Delivered: {MESSAGES}, retried: 0, dead: 0, lost lease: 0."]
    code, output = run_in_terminal(["outbox", "deliver"], folder, env)
    screen = Screen()
    screen.write(output)
    assert screen.text() == ["Доставлено: 0, отложено: 0, не доставлено совсем: 0, перехвачено: 0."]


def test_a_refusal_on_a_terminal_is_one_line(department: tuple[Path, dict[str, str]]) -> None:
    folder, env = department
    code, output = run_in_terminal(["billing", "status", "--month", "2026-13"], folder, env)
    assert code == 2
    screen = Screen()
    screen.write(output)
    assert screen.text() == [
        "Ошибка: Invalid value for '--month': месяц '2026-13' не в формате ГГГГ-ММ"
    ]


def test_no_bar_is_drawn_into_a_pipe(department: tuple[Path, dict[str, str]]) -> None:
    folder, env = department
    done = subprocess.run(
        [sys.executable, "-m", "clientops", "outbox", "deliver"],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == SUMMARY + "\n"
