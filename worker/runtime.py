"""One engine per worker process, made once from the config the caller gives, on first use.

Django-free: the Celery tasks (playground/tasks.py) build the config from Django's settings."""

import logging
import threading
from collections.abc import Callable

from worker.engine import Engine, EngineConfig

log = logging.getLogger(__name__)
_engine: Engine | None = None
_lock = threading.Lock()


def get_engine(config: Callable[[], EngineConfig]) -> Engine:
    """This process's engine; `config()` is called once, when it is made."""
    global _engine
    with _lock:
        if _engine is None:
            made = config()
            log.info("loading base model %s on %s (%s)", made.base_model, made.device, made.dtype)
            _engine = Engine(made)
            log.info("engine ready")
        return _engine
