"""The playground app: pages, WebSocket, services, Celery tasks and the models they keep."""
