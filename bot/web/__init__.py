"""The web front: app factory, webhook intake, signatures, gunicorn (the only Flask code)."""
