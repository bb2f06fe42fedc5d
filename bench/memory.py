"""Memory with many adapters registered and few resident: RSS against the adapters' bytes."""

import os
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from worker.engine import Engine, SamplingParams
from worker.engine.memory import release_freed_memory

from .engine_runs import ask_together
from .samples import rss_bytes


def run_memory_check(config, adapters: list[str], registered: int, requests: int) -> dict:
    """Register `registered` adapters (links to the real ones), keep len(adapters) resident,
    and cycle short requests through all of them: RSS above the bare base model against the
    resident adapters' bytes, and RSS growth from the first 10% of the requests to the end."""
    import tempfile

    from worker.engine.lora import load_lora_adapter

    with tempfile.TemporaryDirectory() as folder:
        names = [f"a{i:04d}" for i in range(registered)]
        for index, name in enumerate(names):
            source = Path(config.adapter_dir, adapters[index % len(adapters)])
            os.symlink(source, Path(folder, name))
        config = replace(config, adapter_dir=folder, max_active_adapters=len(adapters), max_batch=8)
        resident_bytes = sum(
            load_lora_adapter(a, Path(config.adapter_dir, a)).nbytes for a in names[: len(adapters)]
        )
        with closing(Engine(config)) as engine:
            rss = read_memory(engine, names, len(adapters), requests)
    mb = 2**20
    above_base = rss["loaded"] - rss["bare"]
    return {
        "registered": registered,
        "resident": len(adapters),
        "requests": requests,
        "rss_above_base_mb": round(above_base / mb, 1),
        "resident_adapters_mb": round(resident_bytes / mb, 1),
        "overhead_ratio": round(above_base / resident_bytes, 2),
        "adapter_rows_mb": round(rss["held"]["adapters"] / mb, 1),
        "extra_rows_mb": round(rss["held"]["extra_rows"] / mb, 1),
        "rss_growth_mb": round((rss["late"] - rss["early"]) / mb, 1),
    }


def read_memory(engine: Engine, names: list[str], resident: int, requests: int) -> dict:
    """RSS of the bare model, with `resident` adapters loaded, and early and late in a run
    of `requests` requests in batches of 8 cycling through every name."""
    params = SamplingParams(max_new_tokens=2, ignore_eos=True)

    def ask(batch: list[str | None]):
        ask_together(engine, batch, "Hello there", params)

    # The bare base model has served the same traffic (full batches) without adapters,
    # so its activations and touched cache pages count on both sides.
    for _ in range(2):
        ask([None] * engine.config.max_batch)
    release_freed_memory()  # as the engine does after each load: both sides trimmed
    bare = rss_bytes()
    ask(names[:resident])
    release_freed_memory()
    loaded, held = rss_bytes(), engine.lora.held_bytes()

    def cycle(start: int, stop: int, progress):
        for first in range(start, stop, 8):
            ask([names[(first + i) % len(names)] for i in range(8)])
            progress.update(8)

    with tqdm(total=requests, desc="memory check", unit="request", leave=False) as progress:
        cycle(0, requests // 10, progress)
        early = rss_bytes()
        cycle(requests // 10, requests, progress)
        late = rss_bytes()
    return {"bare": bare, "loaded": loaded, "held": held, "early": early, "late": late}
