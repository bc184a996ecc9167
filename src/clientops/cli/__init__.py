"""The ``clientops`` command: the department's daily work from a shell, over the public API.

``clientops --store URL --json --lang ru|en <command>``; see ``docs/cli.md`` for every command,
its options, its JSON shape and the exit codes (0 ok, 1 refused by a rule, 2 bad input,
3 backend failure). :func:`main` is the console script; :data:`cli` the click group (for
``click.testing.CliRunner``).
"""

from __future__ import annotations

# the command groups kept in modules of their own add themselves to ``cli`` (they import
# ``_app``, so ``_app`` cannot import them: import-linter keeps the modules acyclic); one line each
from clientops.cli import (
    _billing,  # noqa: F401  (billing status)
    _calendar,  # noqa: F401  (calendar export|publish)
    _calls,  # noqa: F401  (calls route)
    _folders,  # noqa: F401  (folders receive)
    _jobs,  # noqa: F401  (registers run-due and worker on cli)
    _outbox,  # noqa: F401  (outbox retry)
    _report,  # noqa: F401  (report)
)
from clientops.cli._app import EXIT_BACKEND, EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, cli, main

__all__ = ["EXIT_BACKEND", "EXIT_BAD_INPUT", "EXIT_OK", "EXIT_REFUSED", "cli", "main"]
