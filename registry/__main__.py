"""`python -m registry` runs the trackplan command line."""

import sys

from registry.cli import main

sys.exit(main())
