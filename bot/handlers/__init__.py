"""What the bot does per event: pull requests, pushes (releases), notices."""
