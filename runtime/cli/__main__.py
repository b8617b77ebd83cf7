"""`python -m runtime.cli` = `handbook`."""

from runtime.cli import main

raise SystemExit(main())
