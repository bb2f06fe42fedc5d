"""The WebSocket URLs: /ws/generate/ (answers) and /ws/training/<job>/ (a job's progress)."""

from django.urls import path

from .consumers import GenerateConsumer
from .training_consumer import TrainingConsumer

websocket_urlpatterns = [
    path("ws/generate/", GenerateConsumer.as_asgi()),
    path("ws/training/<uuid:job_id>/", TrainingConsumer.as_asgi()),
]
