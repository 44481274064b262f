"""The plan catalog: static HTML pages for the people who own a plan (no network, no CDN)."""
