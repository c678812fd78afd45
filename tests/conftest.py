"""Fixtures for every test folder; they live in ``testkit`` so tests can import its helpers
(a module named ``conftest`` would clash with the sub-folders' own conftest files)."""

from testkit import (  # noqa: F401 - fixtures, found by pytest by name
    cat,
    client,
    env,
    envs,
    own_redis,
    redis_prefix,
    redis_run_prefix,
)
