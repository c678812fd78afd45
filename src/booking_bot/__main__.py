"""``python -m booking_bot [--webhook]``."""

from .main import main

main()
