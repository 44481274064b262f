"""`python -m registry` runs the trackplan command line (DESIGN.md §5): the program's entry,
imported by nothing, so the shell above the domain is reached from here only."""

from trackplan.program import run

run()
