"""``examples/cron_month.sh``: a month of a small department run entirely through the
command, twice. The first run sets the department up, bills the month on its billing day,
applies the bank statement and schedules the reminders; the second changes nothing."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import clientops
from clientops.russian import month_text

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "cron_month.sh"


def run_month(folder: Path) -> str:
    src = Path(clientops.__file__).parents[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLIENTOPS")},
        "CLIENTOPS": f"{sys.executable} -m clientops",
        "PYTHON": sys.executable,
        "PYTHONPATH": str(src),
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_a_month_through_the_command_and_again(tmp_path: Path) -> None:
    folder = tmp_path / "month"
    first = run_month(folder)
    month = re.match(r"== (\d{4}-\d\d): setting up", first)
    assert month is not None, first
    assert "Строк: 2, добавлено: 2, отклонено: 0." in first
    assert "Папка принята: ООО «Лютик»" in first
    assert first.count("руб. в месяц с ") == 2
    said = f"Счета за {month_text(date.fromisoformat(month[1] + '-01'))}\xa0г."
    assert f"{said}: выставлено 2 на 20\xa0500,00\xa0руб." in first
    assert "Платежей: 1, разнесено: 1, не опознано: 0" in first
    reminders = re.findall(r"Звонков-напоминаний на [\d.]+: (\d)", first)
    assert reminders[0] == "2"  # both unpaid from the 20th
    assert reminders[-1] == "1"  # only the one still owing after the statement
    assert "оплачено 12\xa0000,00\xa0руб., долг 8\xa0500,00\xa0руб." in first
    assert "store: в порядке" in first
    agendas = sorted(p.name for p in folder.glob("agenda-*.txt"))
    assert 19 <= len(agendas) <= 23  # one each working day
    assert (folder / agendas[0]).read_text("utf-8").startswith("Смирнова Анна Сергеевна, ")

    second = run_month(folder)
    assert "Файл уже загружен" in second
    assert "Папка «Лютика» принята раньше." in second
    assert "руб. в месяц с " not in second
    assert f"{said}: выставлено 0 на 0,00\xa0руб., уже были 2" in second
    assert "Выписка уже загружена" in second
    assert "Звонков-напоминаний" not in second  # scheduled once per client and day
    assert "оплачено 12\xa0000,00\xa0руб., долг 8\xa0500,00\xa0руб." in second
    with sqlite3.connect(folder / "month.db") as db:
        assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM invoices").fetchone()[0] == 2
        assert db.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 2
