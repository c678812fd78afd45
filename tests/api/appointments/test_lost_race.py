"""Two overlapping writes on PostgreSQL may end with the database aborting one of them as a
deadlock (40P01) or a serialization failure (40001) instead of the exclusion violation: the
aborted write lost the slot, and its client gets the contract's refusal, never a 500."""

import pytest
from sqlalchemy.exc import DBAPIError

from booking_api.appointments.context import SlotTaken
from booking_api.appointments.repository import flush


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


class _Session:
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate
        self.rolled_back = False

    async def flush(self) -> None:
        raise DBAPIError("UPDATE booking_appointment …", {}, _Orig(self.sqlstate))

    async def rollback(self) -> None:
        self.rolled_back = True


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
async def test_a_write_aborted_by_the_race_is_slot_taken(sqlstate: str) -> None:
    session = _Session(sqlstate)
    with pytest.raises(SlotTaken):
        await flush(session)  # type: ignore[arg-type]
    assert session.rolled_back


async def test_other_database_errors_are_not_hidden() -> None:
    session = _Session("57P01")  # admin shutdown: not a lost race
    with pytest.raises(DBAPIError):
        await flush(session)  # type: ignore[arg-type]
