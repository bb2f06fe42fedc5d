"""Django-free model serving: the engine, the adapter format and the errors they share."""
