"""Rendering papers with the plugin host's templates: ``ops.documents``."""

from __future__ import annotations

from clientops._checks import check_entry_points
from clientops._context import Context
from clientops.documents import Template, render_document

__all__ = ["DocumentsService"]


@check_entry_points
class DocumentsService:
    """The .docx of any document context, drawn as the plugins of ``ops``'s host say::

    >>> import clientops
    >>> from clientops.documents import DebtorsList
    >>> ops = clientops.connect("memory://")
    >>> paper = ops.documents.render(DebtorsList(date=ops.context.today(), rows=()))
    >>> paper[:2]
    b'PK'
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def render(self, context: object, *, template: Template | None = None) -> bytes:
        """The .docx (bytes) of a document context (:class:`~clientops.CompletedWorksAct`…):
        drawn by ``template`` when given, else by a plugin of this host
        (``clientops_render_document``), else by the built-in A4 layout."""
        return render_document(context, template=template, host=self._context.host)
