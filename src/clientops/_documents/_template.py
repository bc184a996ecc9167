"""Compiled .docx templates with ``{{ placeholder }}`` fields and repeated rows.

A template is read once: placeholders that Word split across runs are joined into the run
where they start, every placeholder is checked against the :class:`Fields` the document
offers, and each part that holds placeholders is serialised and cut at them, each literal
stretch between them deflated once on its own (:class:`_Piece`). The parts that hold none are
deflated once (:class:`~clientops._documents._zip.Package`). Rendering a document then joins
the deflated stretches with its values (escaped once per distinct value, as stored deflate
blocks), and writes the ZIP records: no zlib pass over a whole part per document.

Syntax:

* ``{{ name }}`` or ``{{ customer.name }}``: a text field, replaced by its value; the value
  keeps the formatting of the run where ``{{`` starts. Line breaks in a value become line
  breaks in the document, tabs become tabs.
* ``{{ items.price }}``: a field of each element of the list ``items``. The table row that
  holds it (or, outside a table, the paragraph) is repeated once per element, in order. One
  row repeats one list; scalar fields may sit in it too.

    >>> fields = Fields(scalars={"number"}, lists={"items": {"name"}})
    >>> sorted(fields.names())
    ['items.name', 'number']
"""

from __future__ import annotations

import difflib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import IO, Any, TypeAlias

import attrs

from clientops._documents._zip import DEFLATE_END, Package, deflate_piece, stored
from clientops._fields import FORBIDDEN
from clientops._sources import CHUNK, positive_limit, read_source
from clientops._typography import typeset
from clientops.errors import FieldError, TemplateError, ValidationError

__all__ = ["Fields", "Source", "Template", "TemplateLimits", "Values"]

#: What a document's placeholders are filled with: a string per text field, and per list a
#: sequence of mappings (field name → string), one mapping per repeated row.
Values: TypeAlias = Mapping[str, "str | Sequence[Mapping[str, str]]"]
#: A .docx given as bytes, a path, or a binary file object.
Source: TypeAlias = "bytes | str | os.PathLike[str] | IO[bytes]"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_T, _P, _TR, _TBL, _TC = (f"{{{_W}}}{tag}" for tag in ("t", "p", "tr", "tbl", "tc"))
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
#: The parts where placeholders are looked for.
_TEXT_PARTS = re.compile(r"word/(?:document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
# Private-use characters mark slots and repeated units in the serialised XML.
_SLOT, _SLOT_END, _LOOP, _LOOP_END, _END, _END_END = (chr(0xE000 + i) for i in range(6))
_RESERVED = re.compile("[\ue000-\ue005]")
_CUT = re.compile(f"{_SLOT}(\\d+){_SLOT_END}|{_LOOP}(\\d+){_LOOP_END}|{_END}(\\d+){_END_END}")
# In a value: characters XML 1.0 cannot carry, and the ones that become elements.
_SPECIAL = re.compile("[\x00-\x1f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile("\r\n|\r|\n|\t")
#: A word of a value that holds a digit and a hyphen (``СО-2026-10-009``, ``45-12-34``): its
#: hyphens become non-breaking ones (``w:noBreakHyphen``), so no line break cuts the number;
#: Word, LibreOffice and python-docx still read and copy a hyphen.
_NUMBER_WORD = re.compile(r"[^\s-]*(?:\d[^\s]*-|-[^\s]*\d)[^\s]*")


def _frozen_names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _frozen_lists(value: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({name: frozenset(fields) for name, fields in value.items()})


@attrs.frozen
class Fields:
    """The placeholders a document offers: text fields (``scalars``), and lists whose
    elements have fields of their own (``lists``: list name → its field names)."""

    scalars: frozenset[str] = attrs.field(converter=_frozen_names)
    lists: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_frozen_lists, eq=False, hash=False
    )

    def names(self) -> frozenset[str]:
        """Every placeholder name: the scalars and ``list.field`` for each list field."""
        return self.scalars | {f"{name}.{f}" for name, fs in self.lists.items() for f in fs}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fields):
            return NotImplemented
        return self.scalars == other.scalars and dict(self.lists) == dict(other.lists)

    def __hash__(self) -> int:
        return hash((self.scalars, frozenset(self.lists.items())))


# ------------------------------------------------------------------------------ segments


@attrs.frozen
class _Slot:
    """A text field; ``field`` is set for a field of a list element (``name`` is then the
    whole placeholder, ``items.price``)."""

    name: str
    field: str | None
    #: the XML that ends a w:t, breaks the line / tabs / puts a non-breaking hyphen, opens a w:t
    breaks: tuple[str, str, str]


@attrs.frozen
class _Loop:
    """A unit (row or paragraph) repeated once per element of list ``name``."""

    name: str
    body: tuple[_Segment, ...]
    keep_one: bool  # the only row of its table (or paragraph of its cell): never dropped


_Segment: TypeAlias = "str | _Piece | _Slot | _Loop"


def _breaks(prefix: str | None) -> tuple[str, str, str]:
    q = f"{prefix}:" if prefix else ""
    return (
        f'</{q}t><{q}br/><{q}t xml:space="preserve">',
        f'</{q}t><{q}tab/><{q}t xml:space="preserve">',
        f'</{q}t><{q}noBreakHyphen/><{q}t xml:space="preserve">',
    )


def _escape(value: str, breaks: tuple[str, str, str], path: str) -> str:
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "-" in text:
        hyphen = breaks[2]
        text = _NUMBER_WORD.sub(lambda m: m.group().replace("-", hyphen), text)
    if _SPECIAL.search(text) is None:
        return text
    bad = FORBIDDEN.search(text)
    if bad is not None:
        raise ValidationError(
            [FieldError(path, f"character U+{ord(bad.group()):04X} cannot be put in a document")],
            subject="document values",
        )
    line, tab, _ = breaks
    return _BREAKS.sub(lambda m: tab if m.group() == "\t" else line, text)


# ------------------------------------------------------------------------------ compiling


@attrs.frozen
class TemplateLimits:
    """How large a .docx template :func:`~clientops.documents.load_template` takes; a template
    over a limit is refused with a :class:`~clientops.errors.TemplateError` naming the limit
    (and the part), before more than the limit is read or inflated.

    ``max_bytes`` is the .docx file's size; ``max_parts`` the number of parts (files) in the
    package; ``max_part_bytes`` the size of one part once inflated; ``max_total_bytes`` that of
    all of them. Parts are inflated a chunk at a time against the limits, so a "zip bomb" (a
    small file whose part inflates to gigabytes) costs at most the limits, not its size.
    """

    max_bytes: int = attrs.field(default=64 * 1024 * 1024, validator=positive_limit)
    max_parts: int = attrs.field(default=1000, validator=positive_limit)
    max_part_bytes: int = attrs.field(default=64 * 1024 * 1024, validator=positive_limit)
    max_total_bytes: int = attrs.field(default=256 * 1024 * 1024, validator=positive_limit)


def _inflate(archive: zipfile.ZipFile, limits: TemplateLimits) -> list[tuple[str, bytes]]:
    """Every part of the package, inflated a chunk at a time: a part (or all of them) over its
    limit is refused as soon as the limit is passed, whatever size the part's header claims."""
    infos = archive.infolist()
    if len(infos) > limits.max_parts:
        raise TemplateError(
            [
                FieldError(
                    "",
                    f"the package has {len(infos)} parts, more than the limit of "
                    f"{limits.max_parts} (TemplateLimits.max_parts)",
                )
            ]
        )

    parts: list[tuple[str, bytes]] = []
    total = 0
    for info in infos:
        size = 0
        chunks: list[bytes] = []
        with archive.open(info) as member:
            while True:
                if info.file_size > limits.max_part_bytes or size > limits.max_part_bytes:
                    raise _over(info.filename, limits.max_part_bytes, "max_part_bytes")
                if total + max(info.file_size - size, 0) > limits.max_total_bytes:
                    raise _over(info.filename, limits.max_total_bytes, "max_total_bytes")
                chunk = member.read(CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                total += len(chunk)
        parts.append((info.filename, b"".join(chunks)))
    return parts


def _over(part: str, limit: int, name: str) -> TemplateError:
    what = "all the parts, inflated, are" if name == "max_total_bytes" else "inflated, it is"
    return TemplateError(
        [FieldError(part, f"{what} larger than the limit of {limit} bytes (TemplateLimits.{name})")]
    )


def _paragraph_texts(root: Any) -> Iterator[list[Any]]:
    """For each paragraph, its ``w:t`` elements in order (not those of nested paragraphs)."""
    for paragraph in root.iter(_P):
        texts = [t for t in paragraph.iter(_T) if next(t.iterancestors(_P), None) is paragraph]
        if texts:
            yield texts


def _join_split_placeholders(texts: list[Any]) -> str:
    """Move every placeholder wholly into the ``w:t`` where it starts (Word splits text into
    runs at spell-check marks, edits and formatting changes). Returns the paragraph's text."""
    chunks = [t.text or "" for t in texts]
    whole = "".join(chunks)
    if "{{" not in whole:
        return whole
    owners = [i for i, chunk in enumerate(chunks) for _ in chunk]
    moved = False
    for match in _PLACEHOLDER.finditer(whole):
        first = owners[match.start()]
        if owners[match.end() - 1] != first:
            owners[match.start() : match.end()] = [first] * (match.end() - match.start())
            moved = True
    if moved:
        rebuilt: list[list[str]] = [[] for _ in texts]
        for char, owner in zip(whole, owners, strict=True):
            rebuilt[owner].append(char)
        for t, chars in zip(texts, rebuilt, strict=True):
            t.text = "".join(chars)
            t.set(_XML_SPACE, "preserve")
    return whole


@attrs.frozen
class _Found:
    element: Any  # the w:t
    name: str
    list_name: str | None
    field: str | None


class _Compiler:
    """Reads one part, checks its placeholders, marks slots and units; collects problems."""

    def __init__(self, fields: Fields, part: str, problems: list[FieldError]) -> None:
        self.fields = fields
        self.part = part
        self.problems = problems
        self.slots: list[_Slot] = []
        self.units: list[tuple[Any, str, bool]] = []  # (element, list name, keep_one)
        self.used: set[str] = set()

    def problem(self, message: str) -> None:
        self.problems.append(FieldError(self.part, message))

    def resolve(self, raw: str) -> tuple[str | None, str | None] | None:
        """(list name, field) for a list field, (None, None) for a scalar, None if unknown."""
        name = raw.strip()
        if not _NAME.fullmatch(name):
            self.problem(
                f"{{{{{raw}}}}} is not a placeholder: write {{{{ name }}}} or {{{{ list.field }}}}"
                " (letters, digits, _ and dots; no filters or statements)"
            )
            return None
        if name in self.fields.scalars:
            return None, None
        head, _, rest = name.partition(".")
        if head in self.fields.lists:
            if rest in self.fields.lists[head]:
                return head, rest
            known = ", ".join(sorted(self.fields.lists[head]))
            if not rest:
                self.problem(
                    f"{{{{ {name} }}}} is a list: write {{{{ {name}.<field> }}}} in the table row"
                    f" to repeat (fields: {known})"
                )
            else:
                self.problem(f"unknown placeholder {{{{ {name} }}}} (fields of {head}: {known})")
            return None
        close = difflib.get_close_matches(name, sorted(self.fields.names()), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        self.problem(f"unknown placeholder {{{{ {name} }}}}{hint}")
        return None

    def scan(self, root: Any) -> list[_Found]:
        found: list[_Found] = []
        for texts in _paragraph_texts(root):
            whole = _join_split_placeholders(texts)
            rest = _PLACEHOLDER.sub("", whole)
            if "{%" in whole:
                self.problem(
                    f"statements like {{% … %}} are not supported (in {whole.strip()[:80]!r}):"
                    " a row is repeated when it holds {{ list.field }}"
                )
            elif "{{" in rest or "}}" in rest:
                self.problem(f"unbalanced {{{{ or }}}} in the paragraph {whole.strip()[:80]!r}")
            for t in texts:
                for match in _PLACEHOLDER.finditer(t.text or ""):
                    resolved = self.resolve(match.group(1))
                    if resolved is not None:
                        name = match.group(1).strip()
                        found.append(_Found(t, name, *resolved))
        return found

    def unit_of(self, t: Any) -> Any:
        row = next(t.iterancestors(_TR), None)
        return row if row is not None else next(t.iterancestors(_P))

    def mark(self, found: list[_Found]) -> None:
        """Replace placeholders by slot marks; mark each repeated unit."""
        units: dict[Any, str] = {}
        for item in found:
            if item.list_name is None:
                continue
            unit = self.unit_of(item.element)
            other = units.setdefault(unit, item.list_name)
            if other != item.list_name:
                self.problem(
                    f"one repeated row uses two lists, {other} and {item.list_name}"
                    f" ({{{{ {item.name} }}}})"
                )
        for unit, list_name in units.items():
            if any(ancestor in units for ancestor in unit.iterancestors()):
                self.problem(f"the repeated row of {list_name} is inside another repeated row")
        for item in found:
            self.used.add(item.name)
            index = len(self.slots)
            self.slots.append(_Slot(item.name, item.field, _breaks(item.element.prefix)))
            text = item.element.text
            pattern = re.compile(r"\{\{\s*" + re.escape(item.name) + r"\s*\}\}")
            item.element.text = pattern.sub(f"{_SLOT}{index}{_SLOT_END}", text, count=1)
            item.element.set(_XML_SPACE, "preserve")
        for unit, list_name in units.items():
            parent = unit.getparent()
            keep_one = parent.tag in (_TBL, _TC) and sum(c.tag == unit.tag for c in parent) == 1
            index = len(self.units)
            self.units.append((unit, list_name, keep_one))
            for element in unit.iter():  # Word's paragraph ids must stay unique
                for attribute in (f"{{{_W14}}}paraId", f"{{{_W14}}}textId"):
                    element.attrib.pop(attribute, None)
            before = f"{_LOOP}{index}{_LOOP_END}"
            previous = unit.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + before
            else:
                parent.text = (parent.text or "") + before
            unit.tail = f"{_END}{index}{_END_END}" + (unit.tail or "")

    def segments(self, xml: str) -> tuple[_Segment, ...]:
        """Cut the serialised part at the marks into literal strings, slots and loops."""
        stack: list[tuple[int | None, list[_Segment]]] = [(None, [])]
        position = 0
        for match in _CUT.finditer(xml):
            if match.start() > position:
                stack[-1][1].append(xml[position : match.start()])
            position = match.end()
            slot, loop, end = match.groups()
            if slot is not None:
                stack[-1][1].append(self.slots[int(slot)])
            elif loop is not None:
                stack.append((int(loop), []))
            else:
                index, body = stack.pop()
                assert index == int(end), "repeated units nest properly"
                _, list_name, keep_one = self.units[index]
                stack[-1][1].append(_Loop(list_name, tuple(_merge(body)), keep_one))
        if position < len(xml):
            stack[-1][1].append(xml[position:])
        assert len(stack) == 1, "every repeated unit is closed"
        return tuple(_merge(stack[0][1]))


def _merge(segments: list[_Segment]) -> Iterator[_Segment]:
    """Adjacent literal strings joined into one."""
    pending: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            pending.append(segment)
            continue
        if pending:
            yield "".join(pending)
            pending = []
        yield segment
    if pending:
        yield "".join(pending)


def _etree() -> Any:
    """lxml's etree, imported when a template is first read (not when clientops is)."""
    from lxml import etree  # type: ignore[import-untyped]

    return etree


def _parse(part: str, data: bytes, problems: list[FieldError]) -> Any:
    etree = _etree()
    try:
        return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        problems.append(FieldError(part, f"not well-formed XML: {exc}"))
        return None


# ------------------------------------------------------------------------------ rendering


@attrs.frozen
class _Piece:
    """A literal stretch of a part's XML: its bytes, and those bytes deflated once
    (:func:`~clientops._documents._zip.deflate_piece`), copied into every document as they are."""

    raw: bytes
    packed: bytes

    @classmethod
    def of(cls, text: str) -> _Piece:
        raw = text.encode("utf-8")
        return cls(raw, deflate_piece(raw))


def _compile(segments: tuple[_Segment, ...]) -> tuple[_Segment, ...]:
    """The segments with every literal string made a :class:`_Piece`."""
    out: list[_Segment] = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(_Piece.of(segment))
        elif isinstance(segment, _Loop):
            out.append(_Loop(segment.name, _compile(segment.body), segment.keep_one))
        else:
            out.append(segment)
    return tuple(out)


#: The values already escaped (by the value and its breaks): their bytes and those bytes as
#: stored deflate blocks. A document's values repeat (the supplier, the bank, the dates, the
#: units), so most are looked up here; cleared when it holds :data:`_SET_MAX` of them.
_set: dict[tuple[object, tuple[str, str, str]], tuple[bytes, bytes]] = {}
_SET_MAX = 8192
#: A value this long or longer is deflated (once: it is kept in :data:`_set`); a shorter one
#: gains nothing from it and is stored as it is.
_PACKED_FROM = 64


def _fill(
    segments: tuple[_Segment, ...],
    values: Values,
    item: Mapping[str, str] | None,
    where: str,
    raw: list[bytes],
    packed: list[bytes],
) -> None:
    """Append each segment's bytes to ``raw`` and its deflate blocks to ``packed``."""
    for segment in segments:
        if isinstance(segment, _Piece):
            raw.append(segment.raw)
            packed.append(segment.packed)
        elif isinstance(segment, _Slot):
            if segment.field is None:
                value = values.get(segment.name)
            else:
                value = "" if item is None else item.get(segment.field)
            key = (value, segment.breaks)
            found = _set.get(key) if isinstance(value, str) else None
            if found is None:
                path = segment.name if segment.field is None else f"{where}.{segment.field}"
                if not isinstance(value, str):
                    raise ValidationError(
                        [FieldError(path, "missing" if value is None else "must be a string")],
                        subject="document values",
                    )
                data = _escape(typeset(value), segment.breaks, path).encode("utf-8")
                found = (data, deflate_piece(data) if len(data) >= _PACKED_FROM else stored(data))
                if len(_set) >= _SET_MAX:
                    _set.clear()
                _set[key] = found
            raw.append(found[0])
            packed.append(found[1])
        else:
            assert isinstance(segment, _Loop), "compiled: every literal is a _Piece"
            elements = values.get(segment.name)
            if elements is None or isinstance(elements, str):
                problem = "missing" if elements is None else "must be a sequence of mappings"
                raise ValidationError(
                    [FieldError(segment.name, problem)], subject="document values"
                )
            if not elements and segment.keep_one:
                _fill(segment.body, values, None, segment.name, raw, packed)
            for i, element in enumerate(elements):
                _fill(segment.body, values, element, f"{segment.name}[{i}]", raw, packed)


@attrs.frozen
class _Part:
    name: str
    segments: tuple[_Segment, ...] = attrs.field(converter=_compile)


@attrs.frozen(eq=False)
class Template:
    """A .docx template, compiled for one set of :class:`Fields`. Immutable and safe to share
    between threads; build it once and render many documents from it."""

    fields: Fields
    #: The document kind this template is for (``None``: a template for any fields).
    kind: str | None
    #: Every placeholder the template uses.
    placeholders: frozenset[str]
    _parts: tuple[_Part, ...] = attrs.field(alias="parts", repr=False)
    _package: Package = attrs.field(alias="package", repr=False)

    @classmethod
    def from_docx(
        cls,
        source: Source,
        fields: Fields,
        *,
        kind: str | None = None,
        limits: TemplateLimits | None = None,
    ) -> Template:
        """Read and check a .docx (or .dotx) template: its bytes, its path (a ``str`` or an
        ``os.PathLike``) or a binary file object; anything else (an ``int``) is refused before
        anything is opened. ``limits`` bounds its size (:class:`TemplateLimits`).

        Raises :class:`~clientops.errors.TemplateError` naming each part and placeholder that
        is wrong: an unknown placeholder, unbalanced braces, a row that repeats two lists, a
        file that is not a Word document, a file or part over a limit, a source of a wrong type.
        """
        if limits is None:
            limits = TemplateLimits()
        elif not isinstance(limits, TemplateLimits):
            raise TemplateError(
                [FieldError("limits", f"must be TemplateLimits, not {type(limits).__name__}")]
            )
        data = read_source(
            source, subject="template", max_bytes=limits.max_bytes, files=True, error=TemplateError
        )
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            parts = _inflate(archive, limits)
        except TemplateError:
            raise
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            RuntimeError,
            NotImplementedError,
            zlib.error,
        ) as exc:
            problem = FieldError("", f"not a .docx file (a ZIP package): {exc}")
            raise TemplateError([problem]) from exc
        names = [name for name, _ in parts]
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise TemplateError([FieldError("", "not a Word document: no word/document.xml")])
        problems: list[FieldError] = []
        static: list[tuple[str, bytes]] = []
        dynamic: list[_Part] = []
        used: set[str] = set()
        for name, content in parts:
            if name == "[Content_Types].xml":
                content = content.replace(_TEMPLATE_TYPE.encode(), _MAIN_TYPE.encode())
            # "{" and "}" alone: Word may have split "{{" or "}}" across runs
            if not _TEXT_PARTS.fullmatch(name) or (b"{" not in content and b"}" not in content):
                if _TEXT_PARTS.fullmatch(name) and b"{%" in content:
                    problems.append(FieldError(name, "statements like {% … %} are not supported"))
                static.append((name, content))
                continue
            root = _parse(name, content, problems)
            if root is None:
                continue
            compiler = _Compiler(fields, name, problems)
            if _RESERVED.search(content.decode("utf-8", "replace")):
                compiler.problem("holds private-use characters U+E000–U+E005, reserved here")
                continue
            compiler.mark(compiler.scan(root))
            if compiler.slots:
                xml = _etree().tostring(
                    root, xml_declaration=True, encoding="UTF-8", standalone=True
                )
                dynamic.append(_Part(name, compiler.segments(xml.decode("utf-8"))))
                used |= compiler.used
            else:
                static.append((name, content))
        if problems:
            raise TemplateError(problems)
        package = Package.build(static, (part.name for part in dynamic))
        return cls(fields, kind, frozenset(used), tuple(dynamic), package)

    def render(self, values: Values) -> bytes:
        """The .docx (bytes) with every placeholder replaced by its value.

        A value missing or of the wrong type raises :class:`~clientops.errors.ValidationError`
        naming it (``items[2].price``), as does a character XML cannot hold (``\\x00``…).
        """
        rendered: dict[str, tuple[bytes, int, int]] = {}
        for part in self._parts:
            raw: list[bytes] = []
            packed: list[bytes] = []
            _fill(part.segments, values, None, "", raw, packed)
            packed.append(DEFLATE_END)
            data = b"".join(raw)
            rendered[part.name] = (b"".join(packed), zlib.crc32(data), len(data))
        return self._package.write_packed(rendered)


def field_problems(template: Template, fields: Fields) -> tuple[str, ...]:
    """The placeholders of ``template`` that ``fields`` does not offer."""
    return tuple(sorted(template.placeholders - fields.names()))
