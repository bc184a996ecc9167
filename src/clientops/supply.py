"""Equipment from the supplier to an installed, paying client (seed 002): purchases with the
cheapest offer and its bill in the payment plan, the warehouses' stock, shipments by the right
carrier with their papers signed, installations on a ready site, pilots that turn into a
paying subscription, and the client's cloud.

``Supply(ops)`` runs purchases, stock and shipments (:class:`Supply`); ``Installations(ops)``
sites, installations, pilots and clouds (:class:`Installations`); ``Suppliers(ops)`` the
suppliers' price lists and stock over time (:class:`Suppliers`). What needs doing is on
``ops.agenda`` (kind ``SUPPLY``). Their rules are in
:mod:`clientops.rules.supply`, their numbers in ``Policy.supply`` (:class:`SupplyPolicy`). See
the guide, ``docs/equipment.md``.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._installations_service import Installations
from clientops._supply import (
    Acceptance,
    CarrierKind,
    CheckIn,
    CloudProvisioner,
    CloudSetup,
    CloudStep,
    CloudStepDone,
    CourierBalance,
    GoodsReceived,
    Installation,
    InstallationDone,
    InstallationScheduled,
    InstallationStage,
    OutOfStockError,
    Pilot,
    PilotConverted,
    PilotStage,
    PricePoint,
    Purchase,
    PurchaseOrdered,
    PurchaseStage,
    Reservation,
    Shipment,
    ShipmentAccepted,
    ShipmentBooked,
    ShipmentLine,
    ShipmentStage,
    ShippingDocumentsSigned,
    Site,
    StockLevel,
    SupplierItem,
    SupplierOffer,
    SupplyPolicy,
)
from clientops._supply_service import Supply
from clientops._supply_watch import Suppliers
from clientops.rules.supply import SupplyDue

__all__ = [
    "Acceptance",
    "CarrierKind",
    "CheckIn",
    "CloudProvisioner",
    "CloudSetup",
    "CloudStep",
    "CloudStepDone",
    "CourierBalance",
    "GoodsReceived",
    "Installation",
    "InstallationDone",
    "InstallationScheduled",
    "InstallationStage",
    "Installations",
    "OutOfStockError",
    "Pilot",
    "PilotConverted",
    "PilotStage",
    "PricePoint",
    "Purchase",
    "PurchaseOrdered",
    "PurchaseStage",
    "Reservation",
    "Shipment",
    "ShipmentAccepted",
    "ShipmentBooked",
    "ShipmentLine",
    "ShipmentStage",
    "ShippingDocumentsSigned",
    "Site",
    "StockLevel",
    "SupplierItem",
    "SupplierOffer",
    "Suppliers",
    "Supply",
    "SupplyDue",
    "SupplyPolicy",
]

_rehome.rehome(__name__, __all__, globals())
