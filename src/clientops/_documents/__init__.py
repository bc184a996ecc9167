"""Private: the document engine behind :mod:`clientops.documents` (import from there)."""
