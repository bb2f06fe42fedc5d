"""The WebSocket URL: /ws/generate/."""

from django.urls import path

from .consumers import GenerateConsumer

websocket_urlpatterns = [path("ws/generate/", GenerateConsumer.as_asgi())]
