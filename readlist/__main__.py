"""`python -m readlist` runs the same entry point as the `readlist` command."""

from readlist.cli import main

raise SystemExit(main())
