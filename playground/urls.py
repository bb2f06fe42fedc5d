"""The pages' URLs, the OpenAI-compatible API's under /v1/, /healthz and /metrics."""

from django.urls import path

from . import api, gallery_views, health, metrics, training_views, views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("tasks/<slug:slug>/", views.task_detail, name="task"),
    path("tasks/<slug:slug>/history/delete/", views.history_delete, name="history-delete"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("compare/<slug:slug>/", views.compare, name="compare"),
    path("compare/<slug:slug>/score/", views.compare_score, name="compare-score"),
    path("compare/<slug:slug>/save/", views.compare_save, name="compare-save"),
    path("gallery/", gallery_views.gallery, name="gallery"),
    path("gallery/<int:pk>/", gallery_views.gallery_entry, name="gallery-entry"),
    path("gallery/<int:pk>/vote/", gallery_views.gallery_vote, name="gallery-vote"),
    path("staff/training/", training_views.training_new, name="training-new"),
    path("staff/training/<uuid:job_id>/", training_views.training_job, name="training-job"),
    path(
        "staff/training/<uuid:job_id>/cancel/",
        training_views.training_cancel,
        name="training-cancel",
    ),
    path(
        "staff/training/<uuid:job_id>/confirm/",
        training_views.training_confirm,
        name="training-confirm",
    ),
    path(
        "staff/training/<uuid:job_id>/delete/",
        training_views.training_delete,
        name="training-delete",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("v1/models", api.models_list, name="api-models"),
    path("v1/chat/completions", api.chat_completions, name="api-chat-completions"),
    path("v1/completions", api.completions, name="api-completions"),
]
