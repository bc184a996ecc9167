"""Give the values an area home re-exports the home's name, so that reprs, tracebacks, pickles
and the docs name ``clientops.billing.Invoice``, not the private module it is written in.

Each area home (:mod:`clientops.billing`, :mod:`clientops.orders`…) ends with::

    rehome(__name__, __all__, globals())

Like trio's ``fixup_module_metadata``: only classes, functions and ``NewType`` s whose
``__module__`` is private are changed (a name another public module defines keeps its
module; a union or a type alias has no ``__module__`` to set). A class's own string
annotations are evaluated first, in the module that wrote them, because
:func:`typing.get_type_hints` (and so cattrs and ``attrs.resolve_types``) looks them up in the
namespace of ``__module__``; a class whose annotations cannot be evaluated keeps its module.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterable, Mapping

__all__ = ["is_private", "rehome", "written_in"]

#: The private module each rehomed class, function and ``NewType`` was written in.
_WRITTEN_IN: dict[object, str] = {}


def is_private(module: str) -> bool:
    """Whether ``module`` (a dotted name) is private: one of its parts starts with ``_``."""
    return any(part.startswith("_") for part in module.split("."))


def rehome(home: str, names: Iterable[str], namespace: Mapping[str, object]) -> None:
    """Set ``__module__`` to ``home`` on each of ``names`` in ``namespace`` that is a class,
    a function or a ``NewType`` defined in a private module, and on the methods and nested
    classes such a class defines itself."""
    for name in names:
        obj = namespace[name]
        module = getattr(obj, "__module__", None)
        if not isinstance(module, str) or not is_private(module):
            continue
        if isinstance(obj, type):
            _rehome_class(obj, module, home)
        elif isinstance(obj, types.FunctionType | typing.NewType):
            _WRITTEN_IN[obj] = module
            obj.__module__ = home


def written_in(obj: object) -> str | None:
    """The private module a rehomed ``obj`` was written in (its doctests run with that
    module's names), or ``None`` when :func:`rehome` did not change its module."""
    try:
        return _WRITTEN_IN.get(obj)
    except TypeError:  # unhashable
        return None


def _rehome_class(cls: type, old: str, home: str) -> None:
    own = inspect.get_annotations(cls)
    if any(isinstance(value, str) for value in own.values()):
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except (NameError, TypeError):
            return  # a name only the type checker sees: keep the module that can resolve it
        cls.__annotations__ = {key: hints[key] for key in own}
    for value in list(vars(cls).values()):
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if getattr(value, "__module__", None) != old:
            continue
        if isinstance(value, type) and value.__qualname__.startswith(cls.__qualname__ + "."):
            _rehome_class(value, old, home)
        elif isinstance(value, types.FunctionType):
            _WRITTEN_IN[value] = old
            value.__module__ = home
    _WRITTEN_IN[cls] = old
    cls.__module__ = home
