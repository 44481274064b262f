"""The shell: the `trackplan` console script (trackplan/cli/), over registry/ and bot/."""
