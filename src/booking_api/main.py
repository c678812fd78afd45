"""ASGI entry point: ``uvicorn booking_api.main:app``."""

from booking_api.app import create_app

app = create_app()
