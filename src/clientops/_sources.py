"""Reading a user-supplied file source: exactly a path or the file's bytes, never anything else.

Every public reader that takes "a path or the bytes" (a bank statement, a CSV of clients, a
.docx template, a courier table) reads it through :func:`read_source`. It accepts:

* ``bytes`` (or a ``bytearray``/``memoryview``): the file's content, as is;
* ``str`` or an ``os.PathLike`` giving a ``str``: the path of the file (a ``str`` holding a line
  break is refused: it is surely a file's text passed by mistake);
* a binary file object, only where the reader says so (``files=True``, templates).

A reader that takes only a path (``content=False``, the courier's tables) refuses bytes too.

Anything else is refused with a :class:`~clientops.errors.ValidationError` naming the parameter
*before anything is opened*. This matters for ``int``: :func:`open` takes an integer as a file
descriptor, reads it and then closes it; given the descriptor of an open SQLite database, the
database's file would be closed under it and the next file opened would take its number.

The content is read in chunks and never beyond ``max_bytes``: a file (or a device, a pipe) larger
than the limit is refused naming the limit, after reading at most ``max_bytes + 1`` bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from clientops.errors import FieldError, ValidationError

__all__ = ["CHUNK", "positive_limit", "read_source"]

#: How much is read (or inflated) at a time.
CHUNK = 1 << 20

_Refuse = Callable[[str, str], ValidationError]


def read_source(
    source: object,
    *,
    name: str = "source",
    subject: str,
    max_bytes: int | None = None,
    limit_name: str = "max_bytes",
    files: bool = False,
    content: bool = True,
    error: Callable[[list[FieldError]], ValidationError] | None = None,
) -> bytes:
    """The bytes of ``source`` (see the module), at most ``max_bytes`` of them; with
    ``content=False`` only a path is taken (bytes are refused too).

    Raises :class:`~clientops.errors.ValidationError` (``subject`` names what is read; ``error``
    builds another kind, such as ``TemplateError``) naming ``name`` for a source of a wrong type,
    and naming ``limit_name`` for content over ``max_bytes``. A missing or unreadable file raises
    the system's :class:`OSError`.
    """

    def refuse(path: str, message: str) -> ValidationError:
        problems = [FieldError(path, message)]
        return error(problems) if error is not None else ValidationError(problems, subject=subject)

    too_big = f"the file is larger than the limit of {max_bytes} bytes"
    if content and isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if max_bytes is not None and len(data) > max_bytes:
            raise refuse(limit_name, too_big)
        return data
    path: object = source
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
    if isinstance(path, str):
        if "\n" in path or "\r" in path:
            raise refuse(
                name,
                "a str is a file path, and this one holds a line break; "
                "pass the file's text as bytes (text.encode())",
            )
        if "\0" in path:
            raise refuse(name, "a file path cannot hold a NUL character")
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise refuse(limit_name, too_big)
            return _read(file, max_bytes, refuse, limit_name, first=size + 1)
    if files and not isinstance(source, (int, str)) and callable(getattr(source, "read", None)):
        return _read(source, max_bytes, refuse, limit_name, first=CHUNK)
    accepted = "bytes, a str path or an os.PathLike" if content else "a str path or an os.PathLike"
    if files:
        accepted += " or a binary file object"
    raise refuse(name, f"must be {accepted}, not {type(source).__name__}")


def _read(file: Any, max_bytes: int | None, refuse: _Refuse, limit_name: str, first: int) -> bytes:
    """Read to the end in chunks (the first of ``first`` bytes: a regular file's size, so that
    it is read in one piece), refusing as soon as more than ``max_bytes`` came."""
    chunks: list[bytes] = []
    total = 0
    want = first
    while True:
        if max_bytes is not None:
            want = min(want, max_bytes + 1 - total)
        chunk = file.read(max(want, 1))
        if not chunk:
            break
        if not isinstance(chunk, (bytes, bytearray)):
            raise refuse("source", f"the file object gave {type(chunk).__name__}, not bytes")
        chunks.append(bytes(chunk))
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise refuse(limit_name, f"the file is larger than the limit of {max_bytes} bytes")
        want = CHUNK
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def positive_limit(_: object, attribute: Any, value: object) -> None:
    """An attrs validator: a limit is a positive ``int`` (not a ``bool``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            [FieldError(attribute.name, f"must be a positive int, not {value!r}")],
            subject="limits",
        )
