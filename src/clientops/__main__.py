"""``python -m clientops``: the ``clientops`` command."""

from __future__ import annotations

from clientops.cli import main

if __name__ == "__main__":
    main()
