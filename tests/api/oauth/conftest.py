"""Fixtures of the OAuth tests (helpers in kit.oauth_api)."""

from kit.oauth_api import oauth  # noqa: F401 - a fixture, found by pytest by name
