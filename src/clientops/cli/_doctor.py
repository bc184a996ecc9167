"""The checks of ``clientops doctor`` that need more than the store: the plugins the
configuration names, and the backends the policy and the configuration name (pinged where
they can be)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

import clientops
from clientops.cli._config import Config, ConfigProblem
from clientops.errors import ClientopsError

__all__ = ["ABOUT", "Outcome", "check_backends", "load_plugins"]

#: (ok, the detail in Russian, in English)
Outcome = tuple[bool, str, str]

#: what each check checks, in Russian and English
ABOUT = {
    "store": (
        "хранилище открывается и его схема текущая",
        "the store opens and is at the current schema",
    ),
    "calendar": (
        "в производственном календаре есть постановления о переносе выходных на этот год и "
        "следующий",
        "the production calendar has the decrees moving days off for this year and the next",
    ),
    "plugins": (
        "все модули расширения (встроенные, установленные, из plugins.load) загружаются и "
        "реализуют только известные хуки (check_pending)",
        "every plugin (built-in, installed, of plugins.load) loads and implements only known "
        "hooks (check_pending)",
    ),
    "outbox": (
        "в исходящих нет недоставленных сообщений (dead)",
        "the outbox holds no dead messages",
    ),
    "backends": (
        "курьерская служба из политики открывается, сервер CalDAV из настроек отвечает",
        "the courier the policy names opens, the CalDAV server of the configuration answers",
    ),
}


def load_plugins(config: Config) -> tuple[clientops.PluginHost | None, Outcome]:
    """The plugin host of ``config``, loaded and checked, and the outcome of the check."""
    try:
        host = config.host()
        host.check_pending()
    except ConfigProblem as exc:
        return None, (False, exc.ru, exc.en)
    except ClientopsError as exc:
        return None, (False, str(exc), str(exc))
    names = host.plugin_names()
    extra = [n for n in config.load if n in names]
    more_ru = f" (из настроек: {', '.join(extra)})" if extra else ""
    more_en = f" (configured: {', '.join(extra)})" if extra else ""
    return host, (
        True,
        f"загружено модулей: {len(names)}{more_ru}, все реализации хуков известны",
        f"{len(names)} plugins loaded{more_en}, every hook implementation known",
    )


def _ping(url: str) -> str | None:
    """``None`` when the HTTP server of ``url`` answers (any status), else why not."""
    import httpx  # only when a CalDAV server is to be pinged

    parts = urllib.parse.urlsplit(url)
    root = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/"
    try:
        httpx.request("OPTIONS", root, timeout=5.0)
    except httpx.HTTPError as exc:
        return f"{root}: {type(exc).__name__}"
    return None


def check_backends(
    ops: clientops.ClientOps | None, config: Config, employees: Sequence[str]
) -> Outcome:
    """The courier the policy names opens (and answers, when it has ``ping``); the CalDAV
    server of the configuration answers over HTTP. Accounting and telephony are opened by the
    application with options the policy does not hold, so they are not checked here."""
    ok = True
    ru: list[str] = []
    en: list[str] = []
    if ops is not None:
        name = ops.policy.onboarding.courier
        try:
            courier = ops.onboarding.courier
            ping = getattr(courier, "ping", None)
            if callable(ping):
                ping()
                ru.append(f"курьерская служба {name!r} отвечает")
                en.append(f"courier {name!r} answers")
            else:
                ru.append(f"курьерская служба {name!r} открывается (проверить связь нечем)")
                en.append(f"courier {name!r} opens (nothing to ping)")
        except ClientopsError as exc:
            ok = False
            ru.append(f"курьерская служба {name!r}: {exc}")
            en.append(f"courier {name!r}: {exc}")
    if config.caldav is not None:
        try:
            publisher = config.publisher()
            url = publisher.calendar_url(employees[0]) if employees else None
        except (ConfigProblem, ClientopsError) as exc:
            ok, url = False, None
            ru.append(f"CalDAV: {exc}")
            en.append(f"CalDAV: {exc}")
        if url is not None:
            problem = _ping(url)
            if problem is None:
                ru.append("сервер CalDAV отвечает")
                en.append("the CalDAV server answers")
            else:
                ok = False
                ru.append(f"сервер CalDAV не отвечает: {problem}")
                en.append(f"the CalDAV server does not answer: {problem}")
    if not ru:
        ru.append("внешних служб для проверки нет")
        en.append("no backend to check")
    return ok, "; ".join(ru), "; ".join(en)
