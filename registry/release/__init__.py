"""Releases: the planner, the steps still missing on the host, artifacts, history."""
