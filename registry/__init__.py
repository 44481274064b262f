"""trackplan registry: the pure domain (load, validate, diff, release) and the CLI."""
