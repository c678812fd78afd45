"""Fixtures of the job tests (see :mod:`kit.jobs`)."""

from kit.jobs import booker, job_settings, runner, sender  # noqa: F401 - fixtures, found by name
from kit.telegram import tg  # noqa: F401
