"""The conformance kits of the adapter families: couriers, PBXs, accounting backends and
document renderers. Their home is :mod:`clientops.testing`, which re-exports them."""
