"""Entry point of the frozen bundle (PyInstaller needs a script, not a module)."""

import sys

from qpvdesk.cli import main

sys.exit(main())
