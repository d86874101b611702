"""`python -m qpvdesk` runs the same entry point as the `qpvdesk` command."""

import sys

from qpvdesk.cli import main

sys.exit(main())
