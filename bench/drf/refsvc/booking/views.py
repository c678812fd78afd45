"""The five measured endpoints as the Django service serves them (ModelViewSets + actions)."""

import datetime as dt

from django.db.models import Prefetch, Q
from django.utils import timezone
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from refsvc.booking.models import (
    Appointment,
    Break,
    Service,
    Specialist,
    SpecialistSchedule,
    TimeOff,
)
from refsvc.booking.serializers import (
    AppointmentSerializer,
    ServiceSerializer,
    SpecialistSerializer,
)


class StaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_staff
        )


class ServiceViewSet(viewsets.ModelViewSet):
    queryset = Service.objects.filter(is_active=True).select_related("specialist", "category")
    serializer_class = ServiceSerializer
    permission_classes = [StaffOrReadOnly]
    search_fields = ["name", "specialist__name", "category__name"]
    ordering_fields = ["name", "price", "duration"]
    ordering = ["id"]


class SpecialistViewSet(viewsets.ModelViewSet):
    queryset = (
        Specialist.objects.filter(is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("schedules", SpecialistSchedule.objects.order_by("id")))
    )
    serializer_class = SpecialistSerializer
    permission_classes = [StaffOrReadOnly]
    search_fields = ["name", "specialization", "city"]
    ordering_fields = ["name", "specialization", "city"]
    ordering = ["id"]

    @action(detail=True, methods=["get"])
    def available_slots(self, request, pk=None):
        specialist = self.get_object()
        try:
            day = dt.date.fromisoformat(
                request.query_params.get("date") or timezone.localdate().isoformat()
            )
        except ValueError:
            return Response({"error": "Неверный формат даты. Используйте YYYY-MM-DD"}, status=400)
        hours = SpecialistSchedule.objects.filter(
            specialist=specialist, day_of_week=day.weekday()
        ).first()
        if hours is None:
            return Response({"error": "Специалист не работает в этот день недели"}, status=400)
        tz = timezone.get_current_timezone()

        def at(t):
            return dt.datetime.combine(day, t, tzinfo=tz)

        busy = [
            (
                at(a.start_time) - dt.timedelta(minutes=a.buffer_before),
                at(a.end_time) + dt.timedelta(minutes=a.buffer_after),
            )
            for a in Appointment.objects.filter(
                specialist=specialist, date=day, status__in=["pending", "confirmed"]
            )
        ]
        busy += [
            (at(b.start_time), at(b.end_time))
            for b in Break.objects.filter(specialist=specialist).filter(
                Q(day_of_week__isnull=True) | Q(day_of_week=day.weekday())
            )
        ]
        busy += [
            (t.start, t.end)
            for t in TimeOff.objects.filter(
                specialist=specialist, start__lt=at(hours.end_time), end__gt=at(hours.start_time)
            )
        ]
        now = timezone.now()
        step = dt.timedelta(minutes=30)
        slots, start, close = [], at(hours.start_time), at(hours.end_time)
        while start + step <= close:
            end = start + step
            if start >= now and not any(s < end and e > start for s, e in busy):
                slots.append(
                    {"start_time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M")}
                )
            start = end
        return Response(slots)


class AppointmentViewSet(viewsets.ModelViewSet):
    queryset = Appointment.objects.select_related(
        "client", "service__category", "specialist"
    ).order_by("id")
    serializer_class = AppointmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["date", "start_time", "status"]
    ordering = ["id"]

    def get_queryset(self):
        user = self.request.user
        qs = super().get_queryset()
        if user.is_staff:
            return qs
        return qs.filter(Q(client__user=user) | Q(specialist__user=user))
