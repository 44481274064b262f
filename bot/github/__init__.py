"""The GitHub gateway: the only code that imports PyGithub and requests."""
