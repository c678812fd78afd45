"""FSM states.  Choices made along the way live in the state data (see handlers/common.py)."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    name = State()
    phone = State()


class Booking(StatesGroup):
    category = State()
    specialist = State()
    service = State()
    day = State()
    time = State()
    confirm = State()
