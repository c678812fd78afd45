from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView

from refsvc.booking import views

router = DefaultRouter()
router.register("services", views.ServiceViewSet)
router.register("specialists", views.SpecialistViewSet)
router.register("appointments", views.AppointmentViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/token/", TokenObtainPairView.as_view()),
]
