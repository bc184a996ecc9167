"""What the examples share: they only ever write where they may (see :mod:`.fresh`)."""
