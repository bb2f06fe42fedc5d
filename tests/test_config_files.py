"""The files that describe the deployment stay true to the code."""

import re

import yaml

from .conftest import ROOT


def settings_variables() -> set[str]:
    source = (ROOT / "loraland_site" / "settings.py").read_text()
    return set(
        re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source)
        + re.findall(r'env\.db\("([A-Z_]+)"', source)
    )


def test_env_example_lists_every_variable_settings_read():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", example, re.M))
    assert settings_variables() - documented == set()
    assert {"LORALAND_BASE_MODEL", "REDIS_URL", "DATABASE_URL"} <= settings_variables()


def test_env_example_copied_to_env_gives_clean_values(tmp_path):
    """django-environ keeps an inline `# comment` as part of the value, so comments must sit
    on their own lines: `cp .env.example .env` has to give a working configuration."""
    import environ

    class Probe(environ.Env):
        ENVIRON: dict = {}  # read into this dict, not into os.environ

    Probe.read_env(ROOT / ".env.example")
    values = Probe.ENVIRON
    assert values["LORALAND_DEVICE"] == "cpu"
    assert [k for k, v in values.items() if "#" in v or v != v.strip()] == []


def test_readme_mentions_every_variable():
    readme = (ROOT / "README.md").read_text()
    assert [v for v in sorted(settings_variables()) if v not in readme] == []


def test_compose_runs_web_and_an_inference_worker_on_redis_and_postgres():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "redis", "postgres"} <= set(services)
    assert "-Q" in services["worker"]["command"] and "inference" in services["worker"]["command"]
    assert services["worker"]["environment"]["LORALAND_DEVICE"] == "cuda"
    assert "daphne" in " ".join(services["web"]["command"])
    # Reference answers have their own worker, so they never hold an engine worker's thread.
    assert "reference,maintenance" in services["reference-worker"]["command"]
    assert "beat" in services["beat"]["command"]  # sends the daily retention purge
    # new tasks' adapters train on a worker of their own, one job at a time, on a GPU
    trainer = services["trainer"]
    assert trainer["command"][trainer["command"].index("-Q") + 1] == "training"
    assert trainer["command"][-2:] == ["--concurrency", "1"]
    shared = "./training:/training"
    assert shared in trainer["volumes"] and shared in services["web"]["volumes"]
    assert "./adapters:/adapters" in trainer["volumes"]  # writable: it registers adapters
    assert "reference" not in services["worker"]["command"]


def test_every_service_restarts_and_starts_once_what_it_needs_is_healthy():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    one_shot = {"fetch"}
    assert {name for name, s in services.items() if s.get("restart") == "unless-stopped"} == set(
        services
    ) - one_shot
    for name in ("redis", "postgres", "web"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "8000" in " ".join(services["web"]["healthcheck"]["test"])
    healthy = {"condition": "service_healthy"}
    assert services["web"]["depends_on"] == {"redis": healthy, "postgres": healthy}
    for name in ("worker", "reference-worker"):  # the web has run the migrations
        assert services[name]["depends_on"] == {
            "redis": healthy,
            "postgres": healthy,
            "web": healthy,
        }


def test_the_gpu_worker_builds_cuda_torch_and_reserves_a_gpu_and_the_web_stays_on_cpu():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    worker = services["worker"]
    assert "/whl/cu" in worker["build"]["args"]["TORCH_INDEX"]
    assert worker["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert services["web"]["build"] == "."  # the Dockerfile's default: CPU torch
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in dockerfile
    assert "--index-url ${TORCH_INDEX} torch==" in dockerfile
    # an optional .env; the models and adapters are mounted, the web may write adapters
    assert services["web"]["env_file"] == [{"path": ".env", "required": False}]
    assert (
        "./models:/models:ro" in worker["volumes"]
        and "./adapters:/adapters:ro" in worker["volumes"]
    )
    assert "./adapters:/adapters" in services["web"]["volumes"]
    assert "pgdata" in yaml.safe_load((ROOT / "compose.yaml").read_text())["volumes"]


def test_a_one_shot_fetch_service_fills_the_models_volume_once_the_tasks_exist():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    fetch = services["fetch"]
    assert fetch["profiles"] == ["fetch"]  # `docker compose up` leaves it alone
    assert fetch["command"] == ["python", "manage.py", "fetch_models"]
    assert fetch["restart"] == "no"
    assert {"./models:/models", "./adapters:/adapters"} <= set(fetch["volumes"])  # writable
    env = fetch["environment"]
    assert env["LORALAND_MODELS_DIR"] == "/models" and env["HF_TOKEN"] == "${HF_TOKEN:-}"
    # the workers serve what it fetched: the base it writes is the one they load
    assert env["LORALAND_BASE_MODEL"] == services["worker"]["environment"]["LORALAND_BASE_MODEL"]
    assert env["LORALAND_BASE_MODEL"].startswith(env["LORALAND_MODELS_DIR"] + "/")
    assert fetch["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_image_s_build_context_leaves_out_local_state_and_weights():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "models", "adapters", ".env"} <= set(ignored)
    assert "demo" not in ignored  # the shipped demo adapters go in the image


def test_ci_runs_only_make_test():
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"


def test_an_optional_prometheus_scrapes_the_web_and_every_worker_s_port():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]  # `docker compose up` never starts it
    (mount,) = prometheus["volumes"]
    config = yaml.safe_load((ROOT / mount.split(":")[0]).read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["loraland-web"]["static_configs"][0]["targets"] == ["web:8000"]
    (workers,) = jobs["loraland-workers"]["dns_sd_configs"]
    port = services["worker"]["environment"]["LORALAND_WORKER_METRICS_PORT"]
    assert workers["names"] == ["worker"] and str(workers["port"]) == port
    assert port in services["worker"]["expose"]
