"""DRF serializers: the fields and order of the contract (docs/CONTRACT.md, section 4)."""

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework import serializers

from refsvc.booking.models import Appointment, Service, Specialist, SpecialistSchedule


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name"]


class ScheduleSerializer(serializers.ModelSerializer):
    day_name = serializers.CharField(source="get_day_of_week_display", read_only=True)

    class Meta:
        model = SpecialistSchedule
        fields = ["id", "specialist", "day_of_week", "day_name", "start_time", "end_time"]


class SpecialistSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)
    photo = serializers.SerializerMethodField()
    schedules = ScheduleSerializer(many=True, read_only=True)

    class Meta:
        model = Specialist
        fields = [
            "id",
            "user",
            "name",
            "specialization",
            "description",
            "photo",
            "city",
            "is_active",
            "schedules",
            # Our service's additions (the contract allows extra fields): same payload.
            "telegram_id",
            "language",
        ]

    def get_photo(self, obj):
        if not obj.photo:
            return None
        return self.context["request"].build_absolute_uri("/media/" + obj.photo)


class ServiceSerializer(serializers.ModelSerializer):
    specialist_name = serializers.CharField(source="specialist.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "price",
            "duration",
            "specialist",
            "specialist_name",
            "category",
            "category_name",
            "is_active",
            "buffer_before",
            "buffer_after",
        ]


class AppointmentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    specialist_name = serializers.CharField(source="specialist.name", read_only=True)
    category_name = serializers.CharField(source="service.category.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "client_name",
            "service",
            "service_name",
            "specialist",
            "specialist_name",
            "category_name",
            "date",
            "start_time",
            "end_time",
            "status",
            "created_at",
            "updated_at",
            # Our service's additions (the contract allows extra fields): same payload.
            "cancelled_at",
            "client_confirmed_at",
            "no_show",
        ]
        read_only_fields = [
            "status",
            "created_at",
            "updated_at",
            "cancelled_at",
            "client_confirmed_at",
            "no_show",
        ]

    def validate(self, data):
        """The Django service's rules (overlap, weekday, hours) plus the contract's fixes."""
        specialist, service = data["specialist"], data["service"]
        day, start, end = data["date"], data["start_time"], data["end_time"]
        if end <= start:
            raise serializers.ValidationError("Время окончания должно быть позже времени начала.")
        if service.specialist_id != specialist.id:
            raise serializers.ValidationError("Услуга не оказывается этим специалистом.")
        if dt.datetime.combine(day, start, tzinfo=timezone.get_current_timezone()) < timezone.now():
            raise serializers.ValidationError("Нельзя записаться на прошедшее время.")
        busy = Appointment.objects.filter(
            specialist=specialist,
            date=day,
            status__in=["pending", "confirmed"],
            start_time__lt=end,
            end_time__gt=start,
        )
        if busy.exists():
            raise serializers.ValidationError("Выбранное время уже занято.")
        hours = SpecialistSchedule.objects.filter(
            specialist=specialist, day_of_week=day.weekday()
        ).first()
        if hours is None:
            raise serializers.ValidationError("Специалист не работает в выбранный день.")
        if start < hours.start_time or end > hours.end_time:
            raise serializers.ValidationError(
                "Время записи не соответствует графику работы специалиста."
            )
        data["buffer_before"] = service.buffer_before
        data["buffer_after"] = service.buffer_after
        return data
