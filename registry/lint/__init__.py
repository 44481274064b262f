"""Validation: the lint rule catalog, its checks, naming conventions and patterns."""
