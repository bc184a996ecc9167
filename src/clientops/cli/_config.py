"""The configuration file of ``clientops`` (``--config FILE`` or ``CLIENTOPS_CONFIG``): TOML
with the store, the policy and the plugins::

    store = "sqlite:///ops.db"          # --store and CLIENTOPS_STORE win over it

    [plugins]
    load = ["mycompany.clientops_hooks"]  # modules registered as plugins, after the built-ins
    disable = ["clientops.cdek"]          # plugins not loaded (built-in or entry-point names)
    entry_points = true                   # load the plugins of the "clientops" entry-point group

    [caldav]                              # publish managers' calendars (calendar publish)
    url_template = "https://cal.example.ru/{manager}/clients/"
    username = "clientops"
    password_env = "CALDAV_PASSWORD"      # the password is read from this variable, never here

    [policy]                              # the wire form of clientops.Policy: any field
    company_name = "ООО «Вектор»"
    [policy.billing]
    billing_day = 10

Every key is checked: an unknown one is bad input naming it (``policy.billing.billing_dya``),
and so is a value of the wrong type. Durations are seconds; dates and times TOML's own or ISO
strings.
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import attrs

from clientops.adapters.caldav import CalDavPublisher
from clientops.errors import ConfigurationError, PluginError, ValidationError
from clientops.host import DISABLE_ENV, PluginHost
from clientops.policy import Policy
from clientops.serialization import structure

__all__ = ["CONFIG_ENV", "Config", "ConfigProblem", "read_config"]

#: The configuration file used when ``--config`` is not given.
CONFIG_ENV = "CLIENTOPS_CONFIG"

_TOP = ("store", "plugins", "caldav", "policy")
_CALDAV = ("url_template", "calendars", "username", "password_env", "timeout")
_PLUGINS = ("load", "disable", "entry_points")


class ConfigProblem(Exception):
    """A configuration file that cannot be used: the message in both languages."""

    def __init__(self, ru: str, en: str) -> None:
        super().__init__(en)
        self.ru = ru
        self.en = en


@attrs.frozen
class Config:
    """What a configuration file says (the defaults when there is none)."""

    path: str | None = None
    store: str | None = None
    policy: Policy | None = None
    load: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    entry_points: bool = True
    #: the ``[caldav]`` table, checked: the options of CalDavPublisher but the password
    caldav: dict[str, Any] | None = attrs.field(default=None, eq=False)

    def host(self) -> PluginHost:
        """A loaded plugin host: the built-ins and the entry-point plugins (unless disabled),
        then the modules of ``plugins.load``. A module that cannot be found is a
        ConfigProblem naming it; one that fails on import or registration a PluginError."""
        environ: dict[str, str] | None = None
        if self.disable:
            blocked = [os.environ.get(DISABLE_ENV, ""), *self.disable]
            environ = {**os.environ, DISABLE_ENV: ",".join(b for b in blocked if b)}
        host = PluginHost(entry_points=self.entry_points, environ=environ).load()
        for name in self.load:
            if name in host.plugin_names():
                continue
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name is not None and name.startswith(exc.name):
                    raise ConfigProblem(
                        f"{self.path}: модуль {name!r} из plugins.load не найден",
                        f"{self.path}: module {name!r} of plugins.load not found",
                    ) from None
                raise PluginError(f"plugin {name!r} failed to load: {exc!r}") from exc
            except Exception as exc:
                raise PluginError(f"plugin {name!r} failed to load: {exc!r}") from exc
            host.register(module, name)
        if self.caldav is not None and "clientops.caldav" not in host.plugin_names():
            host.register(self.publisher(), "clientops.caldav")
        return host

    def publisher(self) -> CalDavPublisher:
        """The CalDAV publisher of the ``[caldav]`` table (the password from the environment
        variable ``password_env`` names)."""
        options = dict(self.caldav or {})
        variable = options.pop("password_env", None)
        if variable is not None:
            options["password"] = os.environ.get(variable)
        try:
            return CalDavPublisher(**options)
        except ConfigurationError as exc:
            raise ConfigProblem(
                f"{self.path}: caldav: {exc}", f"{self.path}: caldav: {exc}"
            ) from None


def _plain(value: Any) -> Any:
    """TOML's dates and times as the ISO strings of the wire form."""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _unknown(path: str, where: str, keys: list[str]) -> ConfigProblem:
    named = ", ".join(f"{where}{k}" for k in keys)
    return ConfigProblem(f"{path}: неизвестный ключ {named}", f"{path}: unknown key {named}")


def _strings(path: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigProblem(
            f"{path}: {key} — нужен список строк", f"{path}: {key} must be a list of strings"
        )
    return tuple(value)


_EXTRA = re.compile(r"extra fields found \((?P<keys>[^)]*)\)")


def _policy(path: str, data: Any) -> Policy:
    if not isinstance(data, dict):
        raise ConfigProblem(f"{path}: policy — нужна таблица", f"{path}: policy must be a table")
    try:
        return structure(_plain(data), Policy)
    except ValidationError as exc:
        first = exc.errors[0]
        where = "policy" + first.path.removeprefix("$")
        extra = _EXTRA.fullmatch(first.message)
        if extra is not None:
            keys = [k.strip() for k in extra["keys"].split(",")]
            raise _unknown(path, where + ".", keys) from None
        raise ConfigProblem(
            f"{path}: {where}: {first.message}", f"{path}: {where}: {first.message}"
        ) from None


def read_config(path: str) -> Config:
    """Read and check the configuration file ``path``; ConfigProblem naming what is wrong."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigProblem(
            f"файла настроек {path!r} нет", f"configuration file {path!r} does not exist"
        ) from None
    except OSError as exc:
        raise ConfigProblem(
            f"файл настроек {path!r} не читается: {exc.strerror}",
            f"configuration file {path!r} cannot be read: {exc.strerror}",
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigProblem(f"{path}: не TOML: {exc}", f"{path}: not TOML: {exc}") from None
    unknown = sorted(set(data) - set(_TOP))
    if unknown:
        raise _unknown(path, "", unknown)
    store = data.get("store")
    if store is not None and (not isinstance(store, str) or not store.strip()):
        raise ConfigProblem(f"{path}: store — нужна строка", f"{path}: store must be a string")
    plugins = data.get("plugins", {})
    if not isinstance(plugins, dict):
        raise ConfigProblem(f"{path}: plugins — нужна таблица", f"{path}: plugins must be a table")
    unknown = sorted(set(plugins) - set(_PLUGINS))
    if unknown:
        raise _unknown(path, "plugins.", unknown)
    entry_points = plugins.get("entry_points", True)
    if not isinstance(entry_points, bool):
        raise ConfigProblem(
            f"{path}: plugins.entry_points — нужно true или false",
            f"{path}: plugins.entry_points must be true or false",
        )
    caldav = data.get("caldav")
    if caldav is not None:
        if not isinstance(caldav, dict):
            raise ConfigProblem(
                f"{path}: caldav — нужна таблица", f"{path}: caldav must be a table"
            )
        unknown = sorted(set(caldav) - set(_CALDAV))
        if unknown:
            raise _unknown(path, "caldav.", unknown)
    config = Config(
        path=path,
        store=store,
        policy=_policy(path, data["policy"]) if "policy" in data else None,
        load=_strings(path, "plugins.load", plugins.get("load", [])),
        disable=_strings(path, "plugins.disable", plugins.get("disable", [])),
        entry_points=entry_points,
        caldav=caldav,
    )
    if caldav is not None:
        config.publisher()  # checked now: a bad URL is named before anything runs
    return config
