"""The page of the built-in layouts: a plain value, so that naming it loads no renderer."""

from __future__ import annotations

from typing import Any

import attrs

from clientops.errors import FieldError, ValidationError

__all__ = ["A4", "PageSetup"]


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValidationError([FieldError(attribute.name, f"must be positive, got {value!r}")])


def _margin(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValidationError([FieldError(attribute.name, f"must be >= 0, got {value!r}")])


@attrs.frozen
class PageSetup:
    """The page and type of the built-in layouts: A4 portrait with the margins Russian business
    letters use (ГОСТ Р 7.0.97: left 30 mm, right 15, top and bottom 20), Times New Roman 11 pt.

    >>> A4.width_mm, A4.height_mm, A4.text_width_mm
    (210, 297, 165)
    """

    width_mm: float = attrs.field(default=210, validator=_positive)
    height_mm: float = attrs.field(default=297, validator=_positive)
    top_mm: float = attrs.field(default=20, validator=_margin)
    right_mm: float = attrs.field(default=15, validator=_margin)
    bottom_mm: float = attrs.field(default=20, validator=_margin)
    left_mm: float = attrs.field(default=30, validator=_margin)
    font: str = "Times New Roman"
    font_size_pt: float = attrs.field(default=11, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.text_width_mm < 50:
            raise ValidationError(
                [FieldError("left_mm", f"the margins leave {self.text_width_mm} mm of text")],
                subject="page setup",
            )

    @property
    def text_width_mm(self) -> float:
        """The width between the margins."""
        return self.width_mm - self.left_mm - self.right_mm


A4 = PageSetup()
