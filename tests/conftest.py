"""Fixtures for every test folder; they live in ``testkit`` so tests can import its helpers
(a module named ``conftest`` would clash with the sub-folders' own conftest files).

The sub-folders' conftest files likewise only register fixtures of the kit (``tests/kit/``),
whose helpers get pytest's assertion messages too.
"""

import pytest

pytest.register_assert_rewrite("kit")

from testkit import (  # noqa: E402, F401 - fixtures, found by pytest by name
    cat,
    client,
    env,
    envs,
    own_redis,
    redis_prefix,
    redis_run_prefix,
)
