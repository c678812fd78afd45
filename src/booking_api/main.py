"""ASGI entry point: ``uvicorn booking_api.main:app``."""

from .app import create_app

app = create_app()
