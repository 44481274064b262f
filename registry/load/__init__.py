"""Loading: snapshots, git, safe YAML, the model, settings, policy and CODEOWNERS."""
