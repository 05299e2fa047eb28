"""``python -m computemarket.experiments``: the experiment subcommands without the full CLI."""

import sys

from computemarket.experiments.commands import main

sys.exit(main())
