"""Pulling released plans: sources, npm version ranges, the lock."""
