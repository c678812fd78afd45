"""The Django ``booking`` app's models over the tables our migrations create (managed=False)."""

from django.conf import settings
from django.db import models


class ServiceCategory(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        managed = False
        db_table = "booking_servicecategory"


class Specialist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(max_length=100)
    specialization = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    photo = models.CharField(max_length=100, null=True, blank=True)
    city = models.CharField(max_length=100, default="Казань")
    is_active = models.BooleanField(default=True)
    telegram_id = models.CharField(max_length=20, null=True)
    language = models.CharField(max_length=8, default="ru")

    class Meta:
        managed = False
        db_table = "booking_specialist"


class SpecialistSchedule(models.Model):
    DAYS = [
        (0, "Понедельник"),
        (1, "Вторник"),
        (2, "Среда"),
        (3, "Четверг"),
        (4, "Пятница"),
        (5, "Суббота"),
        (6, "Воскресенье"),
    ]
    specialist = models.ForeignKey(Specialist, related_name="schedules", on_delete=models.CASCADE)
    day_of_week = models.IntegerField(choices=DAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        managed = False
        db_table = "booking_specialistschedule"
        ordering = ["id"]


class Break(models.Model):
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE)
    day_of_week = models.IntegerField(null=True)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        managed = False
        db_table = "booking_break"


class TimeOff(models.Model):
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "booking_timeoff"


class Service(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    duration = models.IntegerField()
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE)
    category = models.ForeignKey(ServiceCategory, null=True, blank=True, on_delete=models.SET_NULL)
    is_active = models.BooleanField(default=True)
    buffer_before = models.IntegerField(default=0)
    buffer_after = models.IntegerField(default=0)

    class Meta:
        managed = False
        db_table = "booking_service"


class Client(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20)
    email = models.EmailField(blank=True)
    city = models.CharField(max_length=100, default="Казань")

    class Meta:
        managed = False
        db_table = "booking_client"


class Appointment(models.Model):
    STATUSES = [
        ("pending", "pending"),
        ("confirmed", "confirmed"),
        ("completed", "completed"),
        ("cancelled", "cancelled"),
    ]
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE)
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    status = models.CharField(max_length=20, choices=STATUSES, default="pending")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Columns our service added with server defaults; the Django service writes their defaults.
    buffer_before = models.IntegerField(default=0)
    buffer_after = models.IntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True)
    client_confirmed_at = models.DateTimeField(null=True)
    no_show = models.BooleanField(default=False)

    class Meta:
        managed = False
        db_table = "booking_appointment"
