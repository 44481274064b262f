"""The documented entry [contract]: `gunicorn 'bot.app:create_app()'` and
`gunicorn 'bot.app:create_read_app()'`; the factories live in bot/web/app.py."""

from bot.web.app import configure_logging, create_app, create_read_app

__all__ = ["configure_logging", "create_app", "create_read_app"]
