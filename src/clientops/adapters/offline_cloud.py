"""A stand-in for the company's cloud admin tool (:class:`~clientops.supply.CloudProvisioner`),
for tests and examples: it keeps its clouds in memory, makes each administrator's password
itself and "sends" it into :attr:`OfflineCloud.mailbox`, as the real tool mails it. clientops
only ever sees the cloud's id and the support login.

    >>> cloud = OfflineCloud()
    >>> cloud_id = cloud.create_cloud("k1", url="romashka.cloud.example", client_name="Ромашка")
    >>> cloud.create_cloud("k1", url="romashka.cloud.example", client_name="Ромашка") == cloud_id
    True
    >>> cloud.create_support_account("k2", cloud_id=cloud_id)
    'support@romashka.cloud.example'
"""

from __future__ import annotations

import hashlib
import secrets

import attrs

from clientops.errors import BackendError

__all__ = ["OfflineCloud", "SentCredentials"]


@attrs.frozen
class SentCredentials:
    """A letter the tool sent: to whom, for which cloud, the login, the password (only the
    client's mailbox ever holds it) and the training materials attached."""

    email: str
    cloud_id: str
    login: str
    password: str = attrs.field(repr=False)
    materials: tuple[str, ...]


class OfflineCloud:
    """Clouds in memory, idempotent per key. ``fail_next`` makes the next calls raise
    :class:`~clientops.errors.BackendError` (as the real tool does when it is down)."""

    name = "offline-cloud"

    def __init__(self) -> None:
        self.clouds: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.mailbox: list[SentCredentials] = []
        self.fail_next = 0
        self.calls = 0
        self._done: dict[str, str] = {}

    def _enter(self, operation: str) -> None:
        self.calls += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise BackendError(self.name, operation, "the tool is down")

    def create_cloud(self, key: str, *, url: str, client_name: str) -> str:
        self._enter("create_cloud")
        if key not in self._done:
            cloud_id = "cl-" + hashlib.sha256(url.encode()).hexdigest()[:10]
            self.clouds[cloud_id] = url
            self._done[key] = cloud_id
        return self._done[key]

    def create_support_account(self, key: str, *, cloud_id: str) -> str:
        self._enter("create_support_account")
        if cloud_id not in self.clouds:
            raise BackendError(self.name, "send", f"no cloud {cloud_id!r}")
        if key not in self._done:
            self.accounts[cloud_id] = f"support@{self.clouds[cloud_id]}"
            self._done[key] = self.accounts[cloud_id]
        return self._done[key]

    def send_credentials(
        self, key: str, *, cloud_id: str, email: str, materials: tuple[str, ...]
    ) -> None:
        self._enter("send_credentials")
        if cloud_id not in self.clouds:
            raise BackendError(self.name, "send", f"no cloud {cloud_id!r}")
        if key in self._done:
            return
        login = f"admin@{self.clouds[cloud_id]}"
        self.mailbox.append(
            SentCredentials(email, cloud_id, login, secrets.token_urlsafe(12), materials)
        )
        self._done[key] = login
