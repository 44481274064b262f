"""The read API: released plans over HTTP, the served catalog, its client and access."""
