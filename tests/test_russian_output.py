"""What a manager reads is Russian: every example's output and every document and calendar it
writes has no English word outside the allow-list of proper and product names, nothing shaped
like an internal id or a hash, and passes the typographic check of :mod:`clientops.russian`.

The examples are found by the glob tests/test_examples.py uses, so a new example is checked
as soon as it is added; a name it rightly prints goes into :data:`ALLOWED_LATIN`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from clientops.russian import typography_problems

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: Latin words a Russian text may hold: the company's and the products' names, the names of
#: the systems a manager works in, units. Extend it for a new proper name (one word each).
ALLOWED_LATIN = frozenset(
    {
        # the company and its products
        "MLS", "IT", "ArchiMed+", "ArchiCredit", "ArchiSport", "clientops",
        # systems and formats a manager knows by these names
        "CRM", "e-mail", "CSV", "PDF", "ICS", "SQLite", "PostgreSQL", "sqlite", "postgresql",
        "Excel", "windows-1251", "outbox",
        # print terms
        "CMYK",
        # the equipment example's turnstile model and its serial numbers
        "T-3", "T3-001", "T3-002",
        # the offline courier of the examples (a courier plugin's registered name)
        "offline",
        # the time zones a cold-call list names (IANA names)
        "Europe", "Moscow", "Asia", "Novosibirsk", "Yekaterinburg", "Omsk",
    }
)  # fmt: skip

_LATIN = re.compile(r"(?<![\w@.+-])[A-Za-z][A-Za-z0-9+_-]*(?:\.[A-Za-z]+)*")
#: file names, paths, e-mail addresses and URLs are names of things, not words
_NAMES = re.compile(
    r"\S+@\S+|[a-z]+://\S+|\S*/\S+|\S+\.(?:db|docx|ics|eml|csv|pdf|beancount|mp3)\b|"
    r"[A-Za-z]+/[A-Za-z_]+"
)
#: an internal id (26 characters of a ULID-like id), a hash or its prefix, a uuid
_ID = re.compile(
    r"\b(?=[0-9a-z]*[a-z])(?=[0-9a-z]*\d)[0-9a-z]{12,}\b|\b[0-9a-f]{8,}…|"
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-"
)


def latin_words(text: str) -> list[str]:
    """The Latin words of ``text`` not on the allow-list."""
    text = _NAMES.sub(" ", text)
    return [w for w in _LATIN.findall(text) if w not in ALLOWED_LATIN]


def ids(text: str) -> list[str]:
    return _ID.findall(text)


def test_the_checks_catch_what_the_issue_quotes() -> None:
    assert latin_words("отказ (quality not accepted yet)") == ["quality", "not", "accepted", "yet"]
    assert latin_words("допустимые действия: update_specification") == ["update_specification"]
    assert latin_words("Компания MLS IT, Анна, здравствуйте! Файл out/schet-P-17.docx") == []
    assert ids("УВЕДОМЛЕНИЕ № 01a24e4d1f550005cba18e6985") == ["01a24e4d1f550005cba18e6985"]
    assert ids("Файл уже загружен (SHA-256 c0c27f95c8d4…)") == ["c0c27f95c8d4"]
    assert ids("трек-номер 0715498707, счёт № 2026-00011") == []
    assert typography_problems("Кузнецова Мария Павловна: 2 дел(а)")
    assert typography_problems("ООО «Ромашка», 6 000,00 руб.")  # breakable spaces


def _document_texts(folder: Path) -> list[tuple[str, str]]:
    import docx
    from icalendar import Calendar

    texts = []
    for path in sorted(folder.rglob("*.docx")):
        document = docx.Document(str(path))
        lines = [p.text for p in document.paragraphs]
        lines += [c.text for t in document.tables for r in t.rows for c in r.cells]
        texts += [(f"{path.name}: {line}", line) for line in lines if line.strip()]
    for path in sorted(folder.rglob("*.ics")):
        for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            for field in ("SUMMARY", "DESCRIPTION", "LOCATION"):
                if field in event:
                    for line in str(event[field]).splitlines():
                        texts.append((f"{path.name} {field}: {line}", line))
    return texts


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_what_an_example_prints_and_writes_is_russian(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stderr
    # the documents and calendars too, no-break spaces and all (the document engine sets them)
    texts = [(line, line) for line in done.stdout.splitlines() if line.strip()]
    texts += _document_texts(tmp_path)
    wrong = []
    for where, line in texts:
        for problem in (
            *(f"English: {w}" for w in latin_words(line)),
            *(f"an id: {i}" for i in ids(line)),
            *typography_problems(line),
        ):
            wrong.append(f"{problem} — in {where!r}")
    assert not wrong, "\n".join(wrong)
