"""The booking policy, as settings fix it, for anyone to read (``GET /api/policy/``)."""
