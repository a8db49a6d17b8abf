"""``python -m leadcore``: the ``leadcore`` command (needs the ``cli`` extra)."""

from leadcore.cli import main

if __name__ == "__main__":
    main()
