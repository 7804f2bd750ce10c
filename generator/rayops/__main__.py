"""``python -m rayops``: the same as the ``rayops`` command."""

from rayops.cli import main

if __name__ == "__main__":
    main()
