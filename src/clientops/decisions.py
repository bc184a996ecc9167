"""What a rule returns: a :class:`Decision` of violations, commands and events.

A rule never performs anything. It says what is wrong (violations, as values), what the shell
should do (commands) and what happened (events); the service performs the commands inside one
unit of work and publishes the events after it commits.
"""

from __future__ import annotations

import attrs

from clientops.commands import Command
from clientops.events import Event

__all__ = ["Decision", "Violation"]


@attrs.frozen
class Violation:
    """A business rule not met: a stable ``code`` for programs, a ``message`` for people, and
    the ``field`` it concerns when there is one."""

    code: str
    message: str
    field: str | None = None


@attrs.frozen
class Decision:
    violations: tuple[Violation, ...] = ()
    commands: tuple[Command, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)
