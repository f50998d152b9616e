"""Allows ``python -m demarcate``, which the tests use to run the CLI in a subprocess."""

from .cli import main

raise SystemExit(main())
