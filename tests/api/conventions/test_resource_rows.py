"""A resource that lists plain rows (``list_columns``) must say how to show them
(``represent_rows``): the mistake is refused when the class is made, not on a request."""

import pytest

from booking_api.api.resource import Resource


def test_plain_rows_without_their_representation_are_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="must define represent_rows"):

        class Broken(Resource):  # noqa: F841 - defining it is the test
            def list_columns(self, stmt):  # type: ignore[no-untyped-def]
                return stmt
