"""`python -m bot` runs the `scopegate` command."""

import sys

from bot.cli import main

sys.exit(main())
