"""One engine per worker process, built from Django settings when the process starts.

Layer: a helper of the tasks, the one place the engine meets Django's settings; the evaluate
and bench commands use it too."""

import logging
import threading

from django.conf import settings

from worker.engine import Engine, EngineConfig

log = logging.getLogger(__name__)
_engine: Engine | None = None
_lock = threading.Lock()


def engine_config() -> EngineConfig:
    return EngineConfig(
        base_model=settings.LORALAND_BASE_MODEL,
        adapter_dir=settings.LORALAND_ADAPTER_DIR,
        device=settings.LORALAND_DEVICE,
        dtype=settings.LORALAND_DTYPE,
        threads=settings.LORALAND_THREADS,
        max_batch=settings.LORALAND_MAX_BATCH,
        max_active_adapters=settings.LORALAND_MAX_ACTIVE_ADAPTERS,
        prefix_cache_mb=settings.LORALAND_PREFIX_CACHE_MB,
        kv_cache_mb=settings.LORALAND_KV_CACHE_MB,
    )


def get_engine() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            config = engine_config()
            log.info(
                "loading base model %s on %s (%s)", config.base_model, config.device, config.dtype
            )
            _engine = Engine(config)
            log.info("engine ready")
        return _engine
