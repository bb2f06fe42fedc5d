"""The project's URLs: the admin and the playground's pages."""

from django.contrib import admin
from django.urls import include, path

handler500 = "loraland_site.errors.server_error"  # the database away: 503, not 500

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("playground.urls")),
]
