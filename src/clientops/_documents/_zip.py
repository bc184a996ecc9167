"""A minimal ZIP writer for .docx packages whose parts are mostly the same every time.

The parts that never change are deflated once, and their local headers and central-directory
records are packed once into two byte strings. Per document only the changed parts are
deflated and appended, so writing a package costs one ``zlib`` call per changed part.

A changed part can also come already deflated (:meth:`Package.write_packed`): a template
deflates each unchanging piece of its XML once (:func:`deflate_piece`, ending on a byte
boundary), and per document only wraps each value in a stored block (:func:`stored`) and
closes the stream (:data:`DEFLATE_END`); the pieces joined are one valid deflate stream.

Entries carry a fixed timestamp (1980-01-01 00:00), so equal input gives equal bytes.

    >>> import io, zipfile
    >>> package = Package.build([("a.xml", b"<a/>")], dynamic=("b.xml",))
    >>> data = package.write({"b.xml": "<b>ы</b>".encode()})
    >>> z = zipfile.ZipFile(io.BytesIO(data))
    >>> z.testzip() is None, z.namelist(), z.read("b.xml").decode()
    (True, ['a.xml', 'b.xml'], '<b>ы</b>')
    >>> pieces = [deflate_piece(b"<b>" * 50), stored("ы".encode()), deflate_piece(b"</b>")]
    >>> raw = b"<b>" * 50 + "ы".encode() + b"</b>"
    >>> packed = b"".join((*pieces, DEFLATE_END))
    >>> data = package.write_packed({"b.xml": (packed, zlib.crc32(raw), len(raw))})
    >>> zipfile.ZipFile(io.BytesIO(data)).read("b.xml") == raw
    True
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Mapping

import attrs

__all__ = ["DEFLATE_END", "Package", "deflate", "deflate_piece", "stored"]

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_DOS_TIME = 0
_DOS_DATE = 1 << 5 | 1  # 1980-01-01
_DEFLATED = 8
_UTF8_NAMES = 0x800
LEVEL = 6
#: The last block of a deflate stream whose pieces each end on a byte boundary: an empty
#: block of fixed codes marked final (what ``zlib`` writes to finish an empty stream).
DEFLATE_END = b"\x03\x00"
_STORED_MAX = 0xFFFF


def deflate(data: bytes, level: int = LEVEL) -> bytes:
    """Raw deflate (no zlib header), as ZIP stores it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def deflate_piece(data: bytes, level: int = LEVEL) -> bytes:
    """``data`` deflated on its own, not final, ending on a byte boundary: a piece that can
    stand anywhere in a deflate stream made of such pieces (it refers to nothing before it)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def stored(data: bytes) -> bytes:
    """``data`` as stored (uncompressed) deflate blocks, not final: a few bytes of header
    for each 65,535 bytes; nothing for no data."""
    out = []
    for at in range(0, len(data), _STORED_MAX):
        chunk = data[at : at + _STORED_MAX]
        size = len(chunk)
        out.append(b"\x00" + _STORED_HEADER.pack(size, size ^ 0xFFFF) + chunk)
    return b"".join(out)


_STORED_HEADER = struct.Struct("<HH")


def _records(name: str, data: bytes, offset: int) -> tuple[bytes, bytes]:
    """The local header with the compressed data, and the central-directory record."""
    return _packed_records(name, deflate(data), zlib.crc32(data), len(data), offset)


def _packed_records(
    name: str, packed: bytes, crc: int, size: int, offset: int
) -> tuple[bytes, bytes]:
    """As :func:`_records`, of data already deflated (``size`` bytes with CRC-32 ``crc``)."""
    raw_name = name.encode("utf-8")
    flags = 0 if raw_name.isascii() else _UTF8_NAMES
    local = _LOCAL.pack(
        0x04034B50, 20, flags, _DEFLATED, _DOS_TIME, _DOS_DATE, crc, len(packed), size,
        len(raw_name), 0,
    )  # fmt: skip
    central = _CENTRAL.pack(
        0x02014B50, 20, 20, flags, _DEFLATED, _DOS_TIME, _DOS_DATE, crc, len(packed), size,
        len(raw_name), 0, 0, 0, 0, 0, offset,
    )  # fmt: skip
    return local + raw_name + packed, central + raw_name


@attrs.frozen
class Package:
    """The static parts of a package, packed; :meth:`write` adds the dynamic ones."""

    static_body: bytes
    static_central: bytes
    static_count: int
    dynamic: tuple[str, ...]

    @classmethod
    def build(cls, static: Iterable[tuple[str, bytes]], dynamic: Iterable[str]) -> Package:
        """Pack ``static`` (name, data) parts once, in order; ``dynamic`` names the parts that
        :meth:`write` receives every time, in the order they are written after the static ones."""
        body = bytearray()
        central = bytearray()
        count = 0
        for name, data in static:
            local, record = _records(name, data, len(body))
            body += local
            central += record
            count += 1
        return cls(bytes(body), bytes(central), count, tuple(dynamic))

    def write(self, parts: Mapping[str, bytes]) -> bytes:
        """The whole package: the static parts and ``parts`` (one for each dynamic name)."""
        return self.write_packed(
            {name: (deflate(data), zlib.crc32(data), len(data)) for name, data in parts.items()}
        )

    def write_packed(self, parts: Mapping[str, tuple[bytes, int, int]]) -> bytes:
        """As :meth:`write`, each dynamic part given deflated: (its raw deflate stream, the
        CRC-32 of its data, the data's size)."""
        chunks = [self.static_body]
        central = [self.static_central]
        offset = len(self.static_body)
        for name in self.dynamic:
            local, record = _packed_records(name, *parts[name], offset)
            chunks.append(local)
            central.append(record)
            offset += len(local)
        directory = b"".join(central)
        count = self.static_count + len(self.dynamic)
        end = _END.pack(0x06054B50, 0, 0, count, count, len(directory), offset, 0)
        return b"".join((*chunks, directory, end))
