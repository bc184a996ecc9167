"""A fresh store for an example, and never anyone else's data.

An example starts from an empty store each run, so a second run prints what the first did.
It clears only a store it made itself: a database it made holds a mark (a row of its
``meta`` table naming the example), a folder it made holds a ``.clientops-example`` file.
Anything else already at that place is left alone, and the example stops with a message
saying what to do instead.
"""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clientops.adapters.sqlite import SQLiteStorage

FOLDER_MARK = ".clientops-example"


def _mark(example: str) -> str:
    return f"example:{example}"


def _refuse(what: str, hint: str) -> None:
    sys.exit(f"Пример не тронет {what}: там уже есть данные, и создал их не этот пример. {hint}")


def fresh_sqlite(path: Path, example: str) -> str:
    """The ``sqlite:///`` URL of a new, empty database at ``path``, made and marked by
    ``example``; a database the example made before is replaced, anything else refused."""
    files = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    if any(f.exists() for f in files):
        if not _sqlite_made_by(path, example):
            _refuse(f"«{path}»", "Укажите новый файл: --db ПУТЬ.")
        for f in files:
            f.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    SQLiteStorage(path).close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO meta(key, value) VALUES (?, 1)", (_mark(example),))
    return f"sqlite:///{path}"


def _sqlite_made_by(path: Path, example: str) -> bool:
    if not path.is_file():
        return False
    try:
        # immutable: reading never touches the file or its -wal and -shm (which a plain
        # read-only open may checkpoint and delete)
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)) as db:
            row = db.execute("SELECT 1 FROM meta WHERE key=?", (_mark(example),)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def fresh_folder(folder: Path, example: str) -> Path:
    """``folder``, made (or made before) by ``example`` for its files; a folder holding
    anything else is refused."""
    mark = folder / FOLDER_MARK
    ours = mark.is_file() and mark.read_text(encoding="utf-8").strip() == example
    if folder.exists() and any(folder.iterdir()) and not ours:
        _refuse(f"папку «{folder}»", "Укажите новую папку: --out ПАПКА.")
    folder.mkdir(parents=True, exist_ok=True)
    mark.write_text(example + "\n", encoding="utf-8")
    return folder


def fresh_store(url: str, example: str) -> str:
    """``url`` made a new, empty store of ``example``: a SQLite file as
    :func:`fresh_sqlite`; a PostgreSQL schema of its own (``?schema=NAME``, never
    ``public``), dropped first if the example made it; a memory store as it is."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return fresh_sqlite(Path(url.removeprefix("sqlite:///")), example)
    if parts.scheme not in ("postgresql", "postgres"):
        return url
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", "public")
    if schema == "public":
        sys.exit(
            "Пример работает в своей схеме PostgreSQL и не тронет схему public: "
            "укажите её в адресе, например ?schema=demo."
        )
    import psycopg
    from psycopg import sql

    server = urlunsplit(parts._replace(query=urlencode(query)))
    with psycopg.connect(server, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema=%s", (schema,)
        ).fetchall()
        if tables:
            made = ("meta",) in tables and conn.execute(
                sql.SQL("SELECT 1 FROM {}.meta WHERE key=%s").format(sql.Identifier(schema)),
                (_mark(example),),
            ).fetchone()
            if not made:
                _refuse(f"схему «{schema}»", "Укажите новую схему: ?schema=ИМЯ.")
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    import clientops

    clientops.connect(url).close()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {}.meta(key, value) VALUES (%s, 1)").format(
                sql.Identifier(schema)
            ),
            (_mark(example),),
        )
    return url
