"""`python -m trackplan` runs the trackplan command line."""

import sys

from trackplan.program import program

sys.exit(program())
