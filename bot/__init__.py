"""trackplan GitHub bot: Flask webhook service."""
