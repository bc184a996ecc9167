"""The document renderer kit (``clientops.testing.DocumentRendererContract``) against the
built-in renderers: the built-in layouts, the built-in layouts loaded back as user
templates, and ``ops.documents.render`` through the plugin host."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import clientops
from clientops.documents import (
    A4,
    PageSetup,
    builtin_docx,
    document_type,
    load_template,
    render_document,
)
from clientops.testing import DocumentRendererContract


class TestBuiltInLayouts(DocumentRendererContract):
    @pytest.fixture
    def renderer(self) -> Callable[[object], bytes]:
        return render_document


class TestBuiltInLayoutsOnAnotherPage(DocumentRendererContract):
    kinds = ("completed_works_act", "payment_invoice")

    @pytest.fixture
    def renderer(self) -> Callable[[object], bytes]:
        page = PageSetup(width_mm=A4.height_mm, height_mm=A4.width_mm)
        return lambda context: render_document(context, page=page)


class TestTemplatesFromTheBuiltInLayouts(DocumentRendererContract):
    """A user's template: the built-in .docx, saved and loaded back."""

    @pytest.fixture
    def renderer(self) -> Callable[[object], bytes]:
        def draw(context: object) -> bytes:
            kind = document_type(context)  # a context clientops does not draw: refused here
            return render_document(context, template=load_template(builtin_docx(kind), kind))

        return draw


class TestOpsDocuments(DocumentRendererContract):
    @pytest.fixture
    def renderer(self) -> Iterator[Callable[[object], bytes]]:
        ops = clientops.connect("memory://", host=clientops.PluginHost(entry_points=False))
        yield ops.documents.render
        ops.close()
