from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("tasks/<slug:slug>/", views.task_detail, name="task"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
]
