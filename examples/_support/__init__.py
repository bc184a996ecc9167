"""What the examples share: they only ever write where they may (see :mod:`.fresh`), and what
they print is typeset (see :mod:`.output`)."""
