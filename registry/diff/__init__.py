"""The semantic diff: the engine, the diff-rule catalog, JSON Schema compatibility."""
