"""A third-party plugin for the scheduled-jobs tests, loaded by ``clientops run-due`` and
``clientops worker`` processes from the ``clientops`` entry-point group (the tests write a
``.dist-info`` naming it).

Its jobs leave evidence outside the store, so a job run twice shows:

* ``count`` (every day, caught up): appends ``count <day> <pid>`` to the file
  ``CLIENTOPS_TEST_EFFECTS`` names, after ``CLIENTOPS_TEST_DELAY`` seconds; on the day
  ``CLIENTOPS_TEST_SLOW_DAY``, the first time, it first writes its pid to the file
  ``CLIENTOPS_TEST_MARKER`` and sleeps ``CLIENTOPS_TEST_SLOW`` seconds (long enough for the
  test to kill or stop it);
* ``flaky`` (the 1st and the 15th): fails at its first attempt for a day, then appends
  ``flaky <day> <pid>``.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

from clientops import hookimpl
from clientops.jobs import Job


def _effect(name: str, day: date) -> None:
    with open(os.environ["CLIENTOPS_TEST_EFFECTS"], "a", encoding="utf-8") as out:
        out.write(f"{name} {day.isoformat()} {os.getpid()}\n")


def _count(ops: Any, day: date) -> str:
    marker = os.environ.get("CLIENTOPS_TEST_MARKER", "")
    if day.isoformat() == os.environ.get("CLIENTOPS_TEST_SLOW_DAY") and not os.path.exists(marker):
        with open(marker + ".tmp", "w", encoding="utf-8") as out:
            out.write(str(os.getpid()))
        os.replace(marker + ".tmp", marker)  # the test kills or stops this process now
        time.sleep(float(os.environ.get("CLIENTOPS_TEST_SLOW", "30")))
    time.sleep(float(os.environ.get("CLIENTOPS_TEST_DELAY", "0")))
    _effect("count", day)
    return f"counted {day.isoformat()}"


def _flaky(ops: Any, day: date) -> str:
    tried = os.environ["CLIENTOPS_TEST_EFFECTS"] + f".flaky-{day.isoformat()}"
    try:
        fd = os.open(tried, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        _effect("flaky", day)
        return "ok"
    os.close(fd)
    raise RuntimeError(f"first attempt for {day.isoformat()} fails")


@hookimpl
def clientops_register_jobs(register: Any) -> None:
    register(Job("count", "Счёт", lambda day, policy: True, _count))
    register(Job("flaky", "Сбой", lambda day, policy: day.day in (1, 15), _flaky))
