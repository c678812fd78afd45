"""``python -m booking_bot [--webhook]``."""

from booking_bot.main import main

main()
