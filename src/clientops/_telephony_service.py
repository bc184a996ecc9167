"""The telephony area: the PBX backend, click-to-call and transfer (``ops.telephony``)."""

from __future__ import annotations

from clientops._call_service import CallsService
from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._telephony import (
    CallNumber,
    OriginateRequest,
    Origination,
    Telephony,
)
from clientops.errors import (
    FieldError,
    ValidationError,
)
from clientops.model import (
    EmployeeId,
    Phone,
    new_id,
)

__all__ = ["TelephonyService"]


@check_entry_points
class TelephonyService:
    """The PBX: open a backend (its events go to ``ops.calls.record_event``), ring a phone,
    put a call through::

        >>> import clientops
        >>> from clientops.testing import T0, a_client, a_staff
        >>> ops = clientops.connect("memory://", clock=lambda: T0)
        >>> ops.clients.add_staff(a_staff())
        >>> phone = ops.telephony.open("console")
        >>> ops.telephony.backend is phone
        True
        >>> ops.close()
    """

    def __init__(self, context: Context, calls: CallsService) -> None:
        self._context = context
        self._calls = calls

    @property
    def backend(self) -> Telephony:
        """The PBX: the one given to :func:`~clientops.connect`, or opened by :meth:`open`.
        ConfigurationError when there is none."""
        return self._context.backends.telephony

    def open(self, name: str, /, **options: object) -> Telephony:
        """Open the telephony backend registered as ``name`` (``console``, ``asterisk``…)
        through the plugin host, with its events going to ``ops.calls.record_event``; it is
        closed by ``ops.close()``. ConfigurationError when a backend is already set."""
        return self._context.backends.open_telephony(
            self._context.host, name, self._calls.record_event, dict(options)
        )

    def _extension(self, employee_id: EmployeeId) -> str:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            employee = uow.staff.directory().require(employee_id)
        if employee.extension is None:
            raise ValidationError(
                [FieldError("extension", f"{employee_id} has no PBX extension on record")],
                subject="employee",
            )
        return employee.extension

    def click_to_call(
        self,
        employee_id: EmployeeId,
        to: Phone | str,
        *,
        key: str | None = None,
        line: str | None = None,
    ) -> Origination:
        """Ring the employee's phone (their ``extension``) and dial ``to`` once they pick up.

        ``key`` is the idempotency key: the PBX places at most one call per key, so a retry
        after a timeout passes the same key (a new one is made when none is given). What
        happens to the call comes back as call events, into the call log.
        """
        backend = self.backend
        number = (
            to
            if isinstance(to, Phone)
            else CallNumber.parse(
                to, self._context.policy.phone_region, strict=self._context.policy.strict_phones
            ).phone
        )
        if number is None:
            raise ValidationError([FieldError("to", f"not a phone number: {to!r}")])
        request = OriginateRequest(
            key=key or f"c2c-{new_id()}",
            extension=self._extension(employee_id),
            to=number,
            employee_id=employee_id,
            line=line,
        )
        return backend.originate(request)

    def transfer_call(self, call_id: str, to: EmployeeId) -> None:
        """Put a call in progress through to the employee ``to`` (their extension)."""
        backend = self.backend
        backend.transfer(call_id, self._extension(to))
