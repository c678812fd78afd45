"""How a job handler says what happened, other than "done"."""

from __future__ import annotations


class Skip(Exception):  # noqa: N818 - an outcome, not an error
    """The job is no longer useful (the appointment passed, was cancelled, ...)."""


class RetryLater(Exception):  # noqa: N818
    """A transient failure: run the job again after ``delay`` seconds."""

    def __init__(self, message: str, *, delay: float = 60):
        super().__init__(message)
        self.delay = delay


class PermanentFailure(Exception):
    """The job cannot succeed (e.g. the user blocked the bot): mark it failed, loudly."""
