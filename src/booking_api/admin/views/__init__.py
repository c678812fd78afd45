"""The admin's model views, one module per part of the business, in the menu's order."""

from __future__ import annotations

from booking_api.admin.base import StaffView
from booking_api.admin.views.appointments import AppointmentAdmin
from booking_api.admin.views.business import BusinessProfileAdmin
from booking_api.admin.views.catalogue import CategoryAdmin, ServiceAdmin, SpecialistAdmin
from booking_api.admin.views.clients import ClientAdmin
from booking_api.admin.views.schedules import BreakAdmin, ScheduleAdmin, TimeOffAdmin
from booking_api.admin.views.users import UserAdmin

VIEWS: list[type[StaffView]] = [
    AppointmentAdmin,
    ClientAdmin,
    SpecialistAdmin,
    ScheduleAdmin,
    BreakAdmin,
    TimeOffAdmin,
    ServiceAdmin,
    CategoryAdmin,
    UserAdmin,
    BusinessProfileAdmin,
]
