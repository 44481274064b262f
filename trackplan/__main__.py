"""`python -m trackplan` runs the trackplan command line."""

from trackplan.program import run

run()
