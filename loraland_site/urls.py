"""The project's URLs: the admin and the playground's pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("playground.urls")),
]
