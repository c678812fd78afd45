"""Fixtures for every test folder. Every helper and fixture lives in the test kit (``tests/kit/``,
one module per job); conftest files only register the kit's fixtures by name, and the kit's
helpers get pytest's assertion messages too.
"""

import pytest

pytest.register_assert_rewrite("kit")

from kit.api import (  # noqa: E402, F401 - fixtures, found by pytest by name
    cat,
    client,
    env,
    envs,
    own_redis,
    redis_prefix,
    redis_run_prefix,
)
