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
    assert "reference" in services["reference-worker"]["command"]
    assert "reference" not in services["worker"]["command"]


def test_ci_runs_only_make_test():
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"
