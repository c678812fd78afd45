"""Fixtures for every test folder; they live in ``testkit`` so tests can import its helpers
(a module named ``conftest`` would clash with the sub-folders' own conftest files)."""

from testkit import cat, client, env, envs  # noqa: F401 - fixtures, found by pytest by name
