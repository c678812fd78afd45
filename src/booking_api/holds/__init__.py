"""Holds: a time kept for a client for a few minutes (``HOLD_MINUTES``) while they decide.

``POST /api/holds/`` holds a time by every rule of a booking (``appointments.service.decide``);
while the hold lives, the time is busy for everybody — in every free-time answer and every
booking decision (``availability/repository.py``, ``appointments/repository_pg.py``).
``POST /api/holds/{id}/confirm/`` books it, ``DELETE /api/holds/{id}/`` gives it back, and a
hold past ``expires_at`` simply stops counting: no job clears it. Holds are not appointments,
so the appointment routes and their four statuses are untouched.
"""
