"""The client's site, its installation, pilots and the cloud (seed 002, processes 1, 6, 15).

:class:`Installations` works over the store of a :class:`~clientops.ClientOps` (or anything
with its ``context``), with the shipments of :class:`~clientops.supply.Supply` and the
subscriptions of the billing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import attrs

from clientops._billing import Subscription, SubscriptionId
from clientops._checks import check_entry_points, fail
from clientops._context import Context
from clientops._documents._acts import ActItem, CompletedWorksAct
from clientops._documents._acts import Party as DocumentParty
from clientops._supply import (
    CheckIn,
    CloudProvisioner,
    CloudSetup,
    CloudStep,
    CloudStepDone,
    Installation,
    InstallationDone,
    InstallationScheduled,
    Pilot,
    PilotConverted,
    Shipment,
    Site,
)
from clientops._supply_service import supply_repository
from clientops.errors import ConfigurationError
from clientops.model import ClientId, Money, new_id
from clientops.ports import SupplyRepository, UnitOfWork
from clientops.rules import supply as rules
from clientops.service_visits import TechFacts

__all__ = ["Installations"]


class _HasContext:
    context: Context


@check_entry_points
class Installations:
    """Sites, installations, pilots that turn into paying, and the client's cloud::

    >>> import clientops
    >>> from datetime import date
    >>> from clientops import Money
    >>> from clientops.supply import Installations
    >>> from clientops.testing import T0, a_client
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> client = ops.clients.add(a_client(name="ООО «Ромашка»"))
    >>> work = Installations(ops)
    >>> site = work.add_site(client.id, address="г. Омск, ул. Ленина, 10", passage_points=2)
    >>> pilot = work.start_pilot(client.id, site_id=site.id, equipment=("Турникет T-3",),
    ...     start=date(2026, 1, 12), planned_end=date(2026, 2, 12), fee=Money(15000))
    >>> pilot = work.end_pilot(pilot.id, on=date(2026, 2, 12), billing_from=date(2026, 2, 13))
    >>> [s.start for s in ops.billing.subscriptions_of(client.id)]
    [datetime.date(2026, 2, 13)]
    >>> ops.close()

    ``cloud`` is the company's cloud admin tool (:class:`~clientops.supply.CloudProvisioner`),
    needed only by :meth:`provision_cloud`."""

    def __init__(self, ops: _HasContext, *, cloud: CloudProvisioner | None = None) -> None:
        self._context = ops.context
        self._cloud = cloud

    @contextmanager
    def _write(self) -> Iterator[tuple[UnitOfWork, SupplyRepository]]:
        with self._context.unit_of_work() as uow:
            yield uow, supply_repository(uow)

    @contextmanager
    def _read(self) -> Iterator[tuple[UnitOfWork, SupplyRepository]]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            yield uow, supply_repository(uow)

    # ------------------------------------------------------------------ sites
    def add_site(
        self,
        client_id: ClientId,
        *,
        address: str,
        installed: Sequence[str] = (),
        passage_points: int = 0,
        ready_on: date | None = None,
    ) -> Site:
        """The client's site: the equipment already installed there, the passage points,
        the day it is ready for installation when known (a support call finds them out)."""
        site = Site(
            new_id(),
            client_id,
            address,
            installed=tuple(installed),
            passage_points=passage_points,
            ready_on=ready_on,
        )
        with self._write() as (uow, repo):
            uow.clients.get(client_id)
            repo.add(site)
        return site

    def set_site_ready(self, site_id: str, ready_on: date) -> Site:
        """The day the site is ready for installation (agreed with the client)."""
        with self._write() as (_, repo):
            site = repo.get(Site, site_id, lock=True)
            return repo.update(attrs.evolve(site, ready_on=ready_on))

    def record_support_facts(self, site_id: str, facts: TechFacts) -> Site:
        """What tech support needs (the server's format, the installed equipment, the
        integration, the passage points), gathered once and kept with the site: the facts
        ``facts`` knows are put over what was known (``TechFacts.updated``)."""
        with self._write() as (_, repo):
            site = repo.get(Site, site_id, lock=True)
            return repo.update(attrs.evolve(site, support=site.support.updated(facts)))

    def site(self, site_id: str) -> Site:
        with self._read() as (_, repo):
            return repo.get(Site, site_id)

    def sites_of(self, client_id: ClientId) -> tuple[Site, ...]:
        """The client's sites, with what tech support needs to know of each."""
        with self._read() as (uow, repo):
            uow.clients.get(client_id)
            return repo.of_client(Site, client_id)

    # ------------------------------------------------------------------ installations
    def schedule_installation(self, site_id: str, shipment_id: str, day: date) -> Installation:
        """Installation of the shipment's equipment at the site on ``day``: refused
        (TransitionError) before the equipment is delivered or on a site not ready by then."""
        with self._write() as (_, repo):
            site = repo.get(Site, site_id)
            shipment = repo.get(Shipment, shipment_id)
            installation = rules.schedule_installation(new_id(), site, shipment, day)
            repo.add(installation)
            self._context.publish(
                [
                    InstallationScheduled(
                        installation.id, site.client_id, day, at=self._context.now()
                    )
                ]
            )
            return installation

    def finish_installation(
        self, installation_id: str, *, act_number: str, on: date | None = None
    ) -> Installation:
        """Installed, the installation act ``act_number`` signed: the site lists the
        shipment's equipment as installed."""
        if not act_number.strip():
            fail("act_number", "required")
        with self._write() as (_, repo):
            installation = repo.get(Installation, installation_id, lock=True)
            done = rules.finish_installation(
                installation, act_number=act_number, on=on or self._context.today()
            )
            site = repo.get(Site, installation.site_id, lock=True)
            shipment = repo.get(Shipment, installation.shipment_id)
            items = tuple(line.item for line in shipment.lines)
            repo.update(attrs.evolve(site, installed=(*site.installed, *items)))
            stored = repo.update(done)
            self._context.publish(
                [InstallationDone(stored.id, stored.client_id, act_number, at=self._context.now())]
            )
            return stored

    def installation_act(
        self,
        installation_id: str,
        *,
        executor: DocumentParty,
        customer: DocumentParty,
        contract: str,
        city: str,
        price: Money,
    ) -> CompletedWorksAct:
        """The installation act (an act of completed works, numbered as the installation
        was finished): a line «Монтаж …» per piece of equipment shipped, at ``price`` a
        unit; render it with :func:`clientops.documents.render_document`."""
        with self._read() as (_, repo):
            installation = repo.get(Installation, installation_id)
            shipment = repo.get(Shipment, installation.shipment_id)
        if installation.act_number is None or installation.done_on is None:
            fail("installation_id", "the installation is not finished")
        items = tuple(
            ActItem(f"Монтаж и пусконаладка: {line.item}", "шт.", line.quantity, price)
            for line in shipment.lines
        )
        return CompletedWorksAct(
            number=installation.act_number,
            date=installation.done_on,
            city=city,
            executor=executor,
            customer=customer,
            contract=contract,
            items=items,
        )

    def installations_of(self, client_id: ClientId) -> tuple[Installation, ...]:
        with self._read() as (uow, repo):
            uow.clients.get(client_id)
            return repo.of_client(Installation, client_id)

    # ------------------------------------------------------------------ pilots
    def start_pilot(
        self,
        client_id: ClientId,
        *,
        site_id: str,
        equipment: Sequence[str],
        start: date,
        planned_end: date,
        fee: Money,
    ) -> Pilot:
        """A pilot of ``equipment`` at the site from ``start`` to ``planned_end``, to pay
        ``fee`` a month once it turns into paying. An end not after the start:
        ValidationError naming ``planned_end``."""
        if planned_end <= start:
            fail("planned_end", f"{planned_end} is not after the start {start}")
        if not equipment:
            fail("equipment", "a pilot tries at least one piece of equipment")
        if fee.amount <= 0:
            fail("fee", "must be positive")
        pilot = Pilot(new_id(), client_id, site_id, tuple(equipment), start, planned_end, fee)
        with self._write() as (uow, repo):
            uow.clients.get(client_id)
            if repo.get(Site, site_id).client_id != client_id:
                fail("site_id", "the site is another client's")
            repo.add(pilot)
        return pilot

    def check_in(
        self, pilot_id: str, *, works: bool, note: str = "", on: date | None = None
    ) -> Pilot:
        """A feedback call during the pilot: does the equipment work, what the client said.
        The next one is due the policy's ``pilot_check_in_days`` later (on the agenda)."""
        with self._write() as (_, repo):
            pilot = repo.get(Pilot, pilot_id, lock=True)
            return repo.update(
                rules.check_in_pilot(pilot, CheckIn(on or self._context.today(), works, note))
            )

    def end_pilot(self, pilot_id: str, *, billing_from: date, on: date | None = None) -> Pilot:
        """The pilot ends on ``on`` (its planned end or a decision; today by default) and
        turns into paying: a subscription of its fee billed from ``billing_from`` by the
        billing's monthly run."""
        with self._write() as (uow, repo):
            pilot = repo.get(Pilot, pilot_id, lock=True)
            subscription_id = SubscriptionId(new_id())
            ended = rules.end_pilot(
                pilot,
                on=on or self._context.today(),
                billing_from=billing_from,
                subscription_id=subscription_id,
            )
            uow.subscriptions.add(
                Subscription(subscription_id, pilot.client_id, pilot.fee, billing_from)
            )
            stored = repo.update(ended)
            self._context.publish(
                [
                    PilotConverted(
                        stored.id,
                        stored.client_id,
                        subscription_id,
                        billing_from,
                        at=self._context.now(),
                    )
                ]
            )
            return stored

    def drop_pilot(self, pilot_id: str, *, on: date | None = None) -> Pilot:
        """The pilot ends without a subscription."""
        with self._write() as (_, repo):
            pilot = repo.get(Pilot, pilot_id, lock=True)
            return repo.update(rules.drop_pilot(pilot, on=on or self._context.today()))

    def pilot(self, pilot_id: str) -> Pilot:
        with self._read() as (_, repo):
            return repo.get(Pilot, pilot_id)

    # ------------------------------------------------------------------ the cloud
    def agree_cloud_url(self, client_id: ClientId, url: str) -> CloudSetup:
        """The first step of the client's cloud: its address, agreed with the client."""
        text = url.strip()
        if not text or any(c.isspace() for c in text) or "." not in text:
            fail("url", f"not an address: {url!r}")
        setup = CloudSetup(new_id(), client_id, text, done=(CloudStep.URL_AGREED,))
        with self._write() as (uow, repo):
            uow.clients.get(client_id)
            repo.add(setup)
            self._event(setup, CloudStep.URL_AGREED)
        return setup

    def provision_cloud(
        self, setup_id: str, *, email: str, materials: Sequence[str] = ()
    ) -> CloudSetup:
        """The rest of the checklist through the provisioning tool: create the cloud, the
        tech-support account, send the client the credentials and ``materials``. Each step
        is stored as soon as the tool has done it, under a key of its own: after a failure,
        calling again goes on from the step that failed and the tool does nothing twice."""
        if self._cloud is None:
            raise ConfigurationError("no cloud tool: pass cloud= to Installations(ops, cloud=…)")
        if "@" not in email or any(c.isspace() for c in email.strip()):
            fail("email", f"not an e-mail address: {email!r}")
        tool = self._cloud
        setup = self.cloud(setup_id)
        while (step := setup.next_step) is not None:
            key = f"cloud:{setup.id}:{step.value}"
            changes: dict[str, object] = {}
            if step is CloudStep.CREATED:
                with self._read() as (uow, _):
                    name = uow.clients.get(setup.client_id).name
                changes["cloud_id"] = tool.create_cloud(key, url=setup.url, client_name=name)
            elif step is CloudStep.SUPPORT_ACCOUNT:
                assert setup.cloud_id is not None
                changes["support_login"] = tool.create_support_account(key, cloud_id=setup.cloud_id)
            else:
                assert setup.cloud_id is not None
                tool.send_credentials(
                    key, cloud_id=setup.cloud_id, email=email.strip(), materials=tuple(materials)
                )
                changes["sent_to"] = email.strip()
            with self._write() as (_, repo):
                current = repo.get(CloudSetup, setup_id, lock=True)
                setup = repo.update(rules.cloud_step(current, step, **changes))
                self._event(setup, step)
        return setup

    def _event(self, setup: CloudSetup, step: CloudStep) -> None:
        self._context.publish(
            [CloudStepDone(setup.id, setup.client_id, step, at=self._context.now())]
        )

    def cloud(self, setup_id: str) -> CloudSetup:
        with self._read() as (_, repo):
            return repo.get(CloudSetup, setup_id)

    def clouds_of(self, client_id: ClientId) -> tuple[CloudSetup, ...]:
        with self._read() as (uow, repo):
            uow.clients.get(client_id)
            return repo.of_client(CloudSetup, client_id)
