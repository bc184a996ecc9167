"""A third-party store that implements only the clients area (cards, appeals, reactions, staff),
on plain dicts: what an integrator writes first, tested by that part of the contract kit."""
