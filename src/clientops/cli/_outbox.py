"""``clientops outbox retry``: dead messages given another round of deliveries."""

from __future__ import annotations

import click

from clientops.cli._app import Env, _message, outbox, pass_env

__all__ = ["outbox_retry"]


@outbox.command("retry")
@click.argument("message_ids", nargs=-1)
@pass_env
def outbox_retry(env: Env, message_ids: tuple[str, ...]) -> None:
    """Make dead messages pending again, due now, their retry delays starting over: every
    dead message, or those the ids name (an unknown id is bad input, one that is not dead is
    refused; nothing is changed then). ``clientops outbox deliver`` delivers them."""
    with env.open() as ops:
        revived = ops.outbox.retry(message_ids)
    env.emit({"retried": [_message(m) for m in revived]})
    for m in revived:
        env.line(f"{m.id}  {m.topic}  {m.last_error or ''}".rstrip())
    env.say(
        f"Снова в очереди на доставку: {len(revived)}.",
        f"Queued for delivery again: {len(revived)}.",
    )
