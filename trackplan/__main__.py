"""`python -m trackplan` runs the trackplan command line."""

import sys

from trackplan.cli import program

sys.exit(program())
