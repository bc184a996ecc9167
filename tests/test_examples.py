"""Every example runs, as a user would run it, and says what it should."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clientops.testing import a_client

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_incoming_call_example_records_what_the_seed_prescribes(tmp_path: Path) -> None:
    out = run_example(tmp_path, "incoming_call.py", "--db", "calls.db")
    assert out.count("Компания MLS IT, Анна, здравствуйте! Чем я могу Вам помочь?") == 5
    assert (
        "«Кузнецовой Марии Павловны сейчас нет на месте. Перевожу Ваш звонок: Отдел продаж.»" in out
    )
    assert "уполномоченный решать" in out
    with sqlite3.connect(tmp_path / "calls.db") as db:
        # Вектор (set up) + Ромашка + Медиа-Партнёр; three appeals: sales, support, management
        assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 3
        departments = sorted(r[0] for r in db.execute("SELECT department_id FROM reactions"))
    assert departments == ["management", "sales", "tech_support"]


def run_example(tmp_path: Path, script: str, *args: str) -> str:
    """Run ``examples/<script>`` with ``args`` in ``tmp_path``; its output, once it succeeded."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_call_campaign_example_has_every_outcome_once_and_the_survey(tmp_path: Path) -> None:
    out = run_example(tmp_path, "call_campaign.py", "--db", "campaign.db")
    for label in (
        "Не дозвонились: 1",
        "Занято: 1",
        "Просили перезвонить: 1",
        "Не интересно: 1",
        "Неверный номер: 1",
        "Карточка актуализирована: 1",
        "Найдено новое ЛПР: 1",
        "Отправлено КП: 1",
        "Отправлено информационное письмо: 1",
        "Назначена встреча: 1",
        "Тёплый контакт передан в продажи: 1",
    ):
        assert f"  {label}\n" in out, label
    assert "Звонок «Тишине» не записан" in out
    assert "Анкета в холодном звонке не записана" in out
    assert "Письма отправлены: 2" in out
    assert "• ООО «Кедр»: Встреча" in out
    assert "среднее: 4,50, от 4 до 5" in out
    with sqlite3.connect(tmp_path / "campaign.db") as db:
        calls = db.execute("SELECT count(*) FROM campaign_calls").fetchone()[0]
        kinds = {r[0] for r in db.execute("SELECT kind FROM reactions")}
    assert calls == 9 + 4  # the cold calls and the survey's calls
    assert kinds == {"meeting", "outgoing_call"}
    assert (tmp_path / "campaign.csv").read_text(encoding="utf-8-sig").startswith("Вопрос;")


def _team_database(tmp_path: Path, *args: str) -> str:
    return run_example(tmp_path, "team_database.py", *args)


def _check_team_database(out: str) -> None:
    assert "Строк: 5, добавлено: 3, отклонено: 2." in out
    assert "строка 4, «Телефон»: «позвонить Ивану» — не номер телефона" in out
    assert "Файл уже загружен" in out
    assert "Олег получил отказ" in out
    assert "info@romashka.ru, Москва, Зеленоград" in out
    assert out.count("письмо отправлено") == 1
    assert "[ПРОСРОЧЕНО]" in out
    assert "Отправить счёт" in out


def test_team_database_example_on_sqlite(tmp_path: Path) -> None:
    out = _team_database(tmp_path)
    assert out.startswith("Хранилище: sqlite")
    _check_team_database(out)


def test_team_database_example_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    out = _team_database(tmp_path, "--url", postgres_url)
    assert out.startswith("Хранилище: postgresql")
    _check_team_database(out)


def test_onboard_client_example_writes_the_papers_and_the_calendar(tmp_path: Path) -> None:
    import docx
    from icalendar import Calendar

    out = run_example(tmp_path, "onboard_client.py", "--out", "out")
    assert "экземпляр 2: нет подписи руководителя" in out
    assert "реакция → Кузнецова Мария Павловна" in out
    assert "реакция → Петров Игорь Олегович" in out
    assert "Москва → Омск" in out
    assert "забор заказан" in out
    assert "Меня зовут Анна" in out
    assert "Книга по программному продукту ArchiMed+" in out
    assert "посылка готова: да" in out
    folder = tmp_path / "out"
    assert len(list(folder.glob("contacts-*.eml"))) == 1
    notice = docx.Document(str(folder / "nonconformities.docx"))
    text = "\n".join(p.text for p in notice.paragraphs) + "\n".join(
        c.text for t in notice.tables for r in t.rows for c in r.cells
    )
    assert "нет подписи руководителя" in text
    calendar = Calendar.from_ical((folder / "onboarding.ics").read_bytes())
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert any(s.startswith("Плановая доставка посылки: ООО «Ромашка»") for s in summaries)
    assert any("уточнить, получена ли она" in s for s in summaries)


def test_order_lifecycle_example(tmp_path: Path) -> None:
    out = run_example(tmp_path, "order_lifecycle.py", "--out", "out")
    assert "Заказ закрыт → Заказ закрыт, цена 13\xa0000,00\xa0руб." in out
    assert "Повторный контакт после заказа №\xa0З-101" in out
    assert "подготовить макет «Буклет „Лето“»" in out
    assert "допустимые действия: изменить спецификацию, получить ответ поставщика," in out
    assert "(продукция ещё не принята по качеству)" in out
    assert "З-102: просрочено (срок доставки) на 1\xa0день" in out
    assert "отгрузка невозможна" in out
    assert "Брак: смещение печати на 3\xa0мм → Продукция не принята по качеству" in out
    assert "замен после брака: 1" in out
    assert "особые условия: скидка 5%" in out
    assert (
        "Цена со скидкой повторного заказа → Цена заказа рассчитана, цена 11\xa0732,50\xa0руб."
        in out
    )
    with sqlite3.connect(tmp_path / "out" / "orders.db") as db:
        stages = dict(db.execute("SELECT number, stage FROM orders"))
    assert stages == {"З-101": "closed", "З-102": "quality_accepted", "З-103": "priced"}
    assert (tmp_path / "out" / "orders.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    import docx

    invoice = docx.Document(str(tmp_path / "out" / "schet-P-17.docx"))
    text = "\n".join(p.text for p in invoice.paragraphs) + "\n".join(
        c.text for t in invoice.tables for r in t.rows for c in r.cells
    )
    assert "П-17" in text
    assert "Шесть тысяч пятьсот рублей" in text  # 50% of 13 000
    request = docx.Document(str(tmp_path / "out" / "zayavka-Z-101.docx"))
    cells = [c.text for t in request.tables for r in t.rows for c in r.cells]
    assert "Календарь настенный" in cells


def test_monthly_billing_example(tmp_path: Path) -> None:
    out = run_example(tmp_path, "monthly_billing.py", "--out", "out")
    assert "Счета выставляются 13.11.2026 (15-е — воскресенье)" in out
    assert "Счета за ноябрь 2026\xa0г.: выставлено 12 на 108\xa0500,00\xa0руб." in out
    assert (
        "Повторный запуск: Счета за ноябрь 2026\xa0г.: выставлено 0 на 0,00\xa0руб., уже были 12"
        in out
    )
    assert "Платежей: 5, разнесено: 4, не опознано: 1, переплата: 1." in out
    assert "переплата 5\xa0000,00\xa0руб. — ООО «Василёк»" in out
    assert "Смирнова Анна Сергеевна: Напомнить об оплате: счёт №\xa02026-00005" in out
    assert "ничего не добавлено" in out
    assert "Напоминания 20.11 (пт): 9" in out
    assert "Напоминания 21.11 (сб): 0" in out
    assert "Напоминания 23.11 (пн): 9" in out
    assert "Должников: 9, долг 76\xa0500,00\xa0руб." in out
    folder = tmp_path / "out"
    assert len(list((folder / "invoices").glob("*.docx"))) == 12
    import docx

    listing = docx.Document(str(folder / "debtors.docx"))
    cells = [c.text for t in listing.tables for r in t.rows for c in r.cells]
    assert "ООО «Мята»" in cells
    with sqlite3.connect(folder / "billing.db") as db:
        statuses = sorted(s for (s,) in db.execute("SELECT status FROM invoices"))
    assert statuses.count("paid") == 3
    assert statuses.count("partly_paid") == 1
    # the ledger the beancount adapter wrote passes the real bean-check
    check = subprocess.run(
        [str(Path(sys.executable).parent / "bean-check"), str(folder / "ledger.beancount")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_phone_line_example(tmp_path: Path) -> None:
    out = run_example(tmp_path, "phone_line.py", "--db", "line.db")
    assert "[экран] +7 912 345-67-89: ООО «Ромашка»; соединить: Смирнова Анна Сергеевна" in out
    assert "перевод с доб.\xa0101 на доб.\xa0201" in out
    assert "Перевожу Ваш звонок: Петров Игорь Олегович" in out
    assert "в плане Анны: Перезвонить: пропущенный звонок с +7 913 000-11-22" in out
    assert out.count("звонок из CRM: вызов") == 1  # the same key rang once
    assert "Итого: звонков 5, отвечено 3, пропущено 2, от 60\xa0с: 3, в разговоре 0:11:05" in out
    with sqlite3.connect(tmp_path / "line.db") as db:
        calls = db.execute("SELECT count(*) FROM calls").fetchone()[0]
        callbacks = db.execute("SELECT count(*) FROM reactions WHERE id LIKE 'callback-%'")
        assert (calls, callbacks.fetchone()[0]) == (5, 1)


def test_morning_agenda_example(tmp_path: Path) -> None:
    out = run_example(tmp_path, "morning_agenda.py", "--db", "agenda.db")
    assert "=== 23.11.2026, пн ===" in out
    assert "Ромашка довольна: просим рекомендательное письмо (ООО «Ромашка»)" in out
    assert "сразу сообщено Иванову Ивану Ивановичу, Петрову Игорю Олеговичу" in out
    tuesday = out.split("=== 24.11.2026, вт ===")[1].split("===")[0]
    assert "ПРОСРОЧЕНО 23.11 11:30 Претензия — ООО «Вектор»" in tuesday
    assert "Касание — ООО «Лютик»: день рождения: поздравить" in tuesday
    assert "ЧП: рекламация клиента ООО «Вектор»" in tuesday
    assert "Претензии за три дня: подано 1, удовлетворено 1, сумма 45\xa0000,00\xa0руб." in out
    assert "Смирнова Анна Сергеевна: 2\xa0дела\n" in out
    assert "Орлов Олег Петрович: 0\xa0дел\n" in out
    assert "Претензий на повестке Анны после решения: 0" in out
    with sqlite3.connect(tmp_path / "agenda.db") as db:
        stage = db.execute("SELECT stage FROM claims").fetchall()
    assert stage == [("resolved_satisfied",)]


def test_host_crm_example_shares_the_crm_file_and_follows_the_feed(tmp_path: Path) -> None:
    out = run_example(tmp_path, "host_crm.py", "--out", "crm")
    out = out.replace("\u00a0", " ")  # the output is typeset: no-break spaces
    assert "Ещё раз: Карточек: 2, создано: 0, обновлено: 0, без изменений: 2." in out
    # the CRM's rollback took clientops's card back with its own row
    assert "После отката CRM: клиентов в CRM — 2, таких карточек в clientops — 0" in out
    feed = [line.strip() for line in out.splitlines() if line.strip().startswith("№ ")]
    assert feed == [
        "№ 1: клиент 1 — карточка создана в clientops",
        "№ 2: клиент 2 — карточка создана в clientops",
        "№ 3: клиент 3 — карточка создана в clientops",
        "№ 4: клиент 1 — открыто обращение",
        "№ 5: клиент 1 — запланирована реакция",
        "№ 6: клиент 1 — входящий звонок распределён",
        "№ 7: клиент 1 — реакция выполнена",
    ]
    assert "Прочитана ещё раз: новых событий нет" in out
    with sqlite3.connect(tmp_path / "crm" / "crm.db") as db:  # one file, both systems' tables
        assert db.execute("SELECT count(*) FROM customers").fetchone() == (3,)
        assert db.execute("SELECT count(*) FROM clients").fetchone() == (3,)
        assert db.execute("SELECT max(position), count(*) FROM activity").fetchone() == (7, 7)
        assert db.execute("SELECT n FROM feed_position").fetchone() == (7,)


# -- examples never destroy data, and run twice the same ------------------------------------
_GENERATED = re.compile(r"[0-9a-fA-F]{8,}|\d{8,}")  # ids, tracking numbers: new every run
_SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def _run_raw(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("script", _SCRIPTS)
def test_an_example_run_twice_prints_the_same(script: str, tmp_path: Path) -> None:
    first = run_example(tmp_path, script)
    second = run_example(tmp_path, script)
    assert _GENERATED.sub("…", second) == _GENERATED.sub("…", first)


def test_team_database_on_postgresql_run_twice_prints_the_same(
    tmp_path: Path, postgres_url: str
) -> None:
    first = _team_database(tmp_path, "--url", postgres_url)
    second = _team_database(tmp_path, "--url", postgres_url)
    assert _GENERATED.sub("…", second) == _GENERATED.sub("…", first)
    assert "Строк: 5, добавлено: 3, отклонено: 2." in second  # not "already loaded"


@pytest.mark.parametrize(
    ("script", "flag"),
    [
        ("incoming_call.py", "--db"),
        ("morning_agenda.py", "--db"),
        ("phone_line.py", "--db"),
        ("call_campaign.py", "--db"),
    ],
)
@pytest.mark.parametrize("content", [b"my own notes\n", b""])
def test_an_example_refuses_a_database_file_it_did_not_make(
    script: str, flag: str, content: bytes, tmp_path: Path
) -> None:
    theirs = tmp_path / "crm.db"
    theirs.write_bytes(content)
    wal = tmp_path / "crm.db-wal"
    wal.write_bytes(b"wal of someone else")
    done = _run_raw(tmp_path, script, flag, "crm.db")
    assert done.returncode != 0
    assert "не тронет «crm.db»" in done.stderr
    assert theirs.read_bytes() == content
    assert wal.read_bytes() == b"wal of someone else"


def test_an_example_refuses_another_programs_sqlite_database(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "crm.db") as db:
        db.execute("CREATE TABLE meta (key TEXT, value INTEGER)")
        db.execute("INSERT INTO meta VALUES ('example:phone_line', 1)")  # not this example's
    done = _run_raw(tmp_path, "incoming_call.py", "--db", "crm.db")
    assert done.returncode != 0
    with sqlite3.connect(tmp_path / "crm.db") as db:
        assert db.execute("SELECT * FROM meta").fetchall() == [("example:phone_line", 1)]


@pytest.mark.parametrize(
    "script", ["monthly_billing.py", "onboard_client.py", "order_lifecycle.py", "host_crm.py"]
)
def test_an_example_refuses_a_folder_it_did_not_make(script: str, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "contract.pdf").write_bytes(b"%PDF-1.4 someone's contract")
    for name in ("billing.db", "onboarding.db", "orders.db", "ledger.beancount", "crm.db"):
        (folder / name).write_bytes(b"someone's " + name.encode())
    done = _run_raw(tmp_path, script, "--out", "docs")
    assert done.returncode != 0
    assert "не тронет папку «docs»" in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["contract.pdf", "billing.db", "onboarding.db", "orders.db", "ledger.beancount", "crm.db"]
    )
    assert (folder / "billing.db").read_bytes() == b"someone's billing.db"


def test_team_database_refuses_a_postgresql_schema_it_did_not_make(
    tmp_path: Path, postgres_url: str
) -> None:
    import clientops

    with clientops.connect(postgres_url) as ops:  # a department's own store
        ops.clients.add(a_client())
    done = _run_raw(tmp_path, "team_database.py", "--url", postgres_url)
    assert done.returncode != 0
    assert "не тронет схему" in done.stderr
    with clientops.connect(postgres_url) as ops, ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 1


def test_monthly_report_example_approves_the_month_and_writes_its_files(tmp_path: Path) -> None:
    import csv
    import io
    import json

    import docx
    from tests._office import convert_to_pdf

    out = run_example(tmp_path, "monthly_report.py", "--db", "report.db", "--out", "files")
    out = out.replace("\u00a0", " ")  # the output is typeset: no-break spaces
    assert "План Олега возвращён: «Заложите хотя бы одного нового клиента»" in out
    assert "План на апрель 2026 года, Орлов Олег Петрович: утверждён" in out
    assert "Потеряно 2 клиента:" in out
    assert "АО «Омега-Строй»: рекламация не решена, с 12.03.2026" in out
    assert "ООО «Юг»: несистемный клиент без заказов, с 15.03.2026" in out
    assert "Звонков: 1260 из 1680 по плану (75,0 %)" in out
    assert "ООО «Вектор»: покупки 48 000,00 руб., премия 1 440,00 руб." in out
    files = tmp_path / "files"
    report = json.loads((files / "report-2026-03.json").read_text(encoding="utf-8"))
    assert report["lines"]["paid_to_contractors"]["records"] == ["Б-312"]
    assert [c["criterion"] for c in report["lost"]] == ["claim_unresolved", "no_order_repeat"]
    rows = list(
        csv.reader(
            io.StringIO((files / "report-2026-03.csv").read_text("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0] == ["Показатель", "План", "Факт", "Выполнение, %", "Отклонение"]
    data = (files / "report-2026-03.docx").read_bytes()
    document = docx.Document(io.BytesIO(data))
    assert "Отчёт о работе за март 2026 года" in "\n".join(p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 1
    text = convert_to_pdf({"report": data}, tmp_path)["report"]
    if text is not None:
        assert "УТВЕРЖДАЮ" in text
        assert "Потерянные клиенты" in text


def test_keep_the_client_example_wins_one_back_and_loses_one(tmp_path: Path) -> None:
    out = run_example(tmp_path, "keep_the_client.py", "--db", "retention.db")
    out = out.replace("\u00a0", " ")  # the output is typeset: no-break spaces
    assert "ООО «Ромашка»: уходящий (вес сигналов 75)" in out
    assert "— Нет оплат: последняя оплата 20.01.2025, 154 дня назад" in out
    assert "Отмечены уходящими: ООО «Ромашка»" in out
    assert "В плане Анны: Позвонить уходящему клиенту: выяснить причину" in out
    assert "Повторная проверка отметила: 0" in out
    assert "АО «Лютик» — Ушёл (перешли к конкуренту)" in out
    assert "ООО «Ромашка» — Остался (скидка 5 % на следующий заказ)" in out
    assert "Потерянные клиенты для отчёта: АО «Лютик»" in out
    assert "ИП Васильев: допродажа передана в отдел продаж" in out
    assert "Без менеджера осталось: 0" in out
    assert (
        "Считыватель карт (скидка 5 % по особым условиям клиента), 2 шт × 11 400,00 руб. = "
        "22 800,00 руб." in out
    )
    assert "Платёжная дисциплина: 80 из 100 (1 счёт оплачен частями" in out
    assert (
        "В плане Анны: Проконтролировать визит подрядчика ООО «Монтаж-Сервис» 01.07.2025: "
        "монтаж турникета" in out
    )
    assert (
        "В плане платежей: ООО «Монтаж-Сервис», монтаж турникета (01.07.2025), акт № А-17, "
        "14 000,00 руб." in out
    )
    assert "остались 1, ушли 1, отложили 0; удалось вернуть 50 %" in out
    with sqlite3.connect(tmp_path / "retention.db") as db:
        rows = dict(db.execute("SELECT client_id, status FROM retention"))
    assert rows == {"romashka": "stayed", "lutik": "left"}


def test_equipment_project_example_runs_the_chain_and_writes_its_papers(tmp_path: Path) -> None:
    out = run_example(tmp_path, "equipment_project.py", "--db", "eq.db", "--out", "papers")
    out = out.replace("\u00a0", " ")  # the output is typeset: no-break spaces
    for line in (
        "Выбран ООО «Дёшево»: счёт № 218 на 174 000,00 руб. внесён в план-факт",
        "• Поставщик ООО «Дёшево» должен отгрузить «Турникет T-3» до 12.12.2026",
        "• Поставщик ООО «Быстро» поднял цену «Турникет T-3» на 8,2%: 61 000,00 руб. → 66 000",
        "Записаны товарная накладная № ТН-17 и УПД № 1/2026 (статус 1)",
        "Записан упаковочный лист № 1/2026",
        "Отказ: склад в бизнес-парке — свободно 2 шт., а нужно 5 шт.",
        "→ Москва: курьер по городу",
        "→ Омск: транспортная компания",
        "Закрывающие документы по отгрузке клиенту ООО «Ромашка» не подписаны",
        "Монтаж не назначен: объект ещё не готов",
        "Счета за февраль 2027 года: 1 на 15 000,00 руб.",
        "✓ Клиенту отправлены доступы и обучающие материалы",
        "отзыв получен, запись отправлена — обучение завершено",
    ):
        assert line in out, line
    assert sorted(p.name for p in (tmp_path / "papers").glob("*.docx")) == [
        "akt-montazha-MO-7.docx",
        "packing-list-1-2026.docx",
        "tovarnaya-nakladnaya-TN-17.docx",
        "upd-1-2026.docx",
    ]
    with sqlite3.connect(tmp_path / "eq.db") as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM supply GROUP BY kind").fetchall())
    assert kinds == {
        "cloud": 1,
        "installation": 1,
        "pilot": 1,
        "purchase": 1,
        "shipment": 2,
        "site": 1,
        "stock": 2,
        "supplier_item": 3,
    }
