import pytest

from demo.specs import ALL_LINEAR
from playground import services
from playground.errors import GenerationError
from playground.models import Adapter, Generation, Task, template_digest

pytestmark = pytest.mark.django_db


def create(**overrides):
    arguments = {
        "task_slug": "glue_sst2",
        "model_kind": "finetuned",
        "inputs": {"sentence": "a warm and funny film"},
        "params": {"max_new_tokens": 8},
        "session_key": "s1",
    }
    return services.generation_create(**{**arguments, **overrides})


def error_code(**overrides) -> str:
    with pytest.raises(GenerationError) as caught:
        create(**overrides)
    return caught.value.code


@pytest.fixture
def no_enqueue(monkeypatch):
    queued = []
    monkeypatch.setattr(
        services.generations, "enqueue_generation", lambda gid, **_: queued.append(gid)
    )
    return queued


def test_load_tasks_fills_the_catalog_and_finds_built_adapters(catalog):
    assert Task.objects.count() == 25
    assert set(Adapter.objects.values_list("name", flat=True)) == {
        "e2e_nlg",
        "gsm8k",
        "webnlg",
        "glue_sst2",
    }
    adapter = Adapter.objects.get(name="glue_sst2")
    assert adapter.rank == 8 and adapter.target_modules == sorted(ALL_LINEAR)
    sst2 = Task.objects.get(slug="glue_sst2")
    assert sst2.fields == ["sentence"] and len(sst2.examples) >= 3
    assert sst2.paper_finetuned == pytest.approx(0.959)


def test_it_stores_a_queued_generation_and_enqueues_it(
    catalog, no_enqueue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        generation = create()
    assert generation.status == Generation.Status.QUEUED
    assert generation.adapter_name == "glue_sst2"
    assert "a warm and funny film" in generation.prompt
    assert generation.params == {
        "max_new_tokens": 8,
        "temperature": 0.0,
        "top_p": 1.0,
        "seed": None,
        "stop": [],
    }
    assert no_enqueue == [generation.id]


def test_a_generation_records_the_base_model_and_the_template_it_was_made_with(catalog, no_enqueue):
    template = template_digest(Task.objects.get(slug="glue_sst2").prompt_template)
    rendered = create()
    assert (rendered.base_model, rendered.template_sha256) == ("loraland-mini", template)
    raw = create(inputs=None, prompt="Classify: a warm film")  # rendered from no template
    assert (raw.base_model, raw.template_sha256) == ("loraland-mini", "")


def test_the_base_model_uses_no_adapter(catalog, no_enqueue):
    assert create(model_kind="base").adapter_name == ""


def test_it_refuses_bad_requests_and_stores_nothing(catalog, no_enqueue):
    assert error_code(task_slug="nope") == "UNKNOWN_TASK"
    assert error_code(task_slug=["glue_sst2"]) == "UNKNOWN_TASK"
    assert error_code(model_kind="gpt-5") == "INVALID_MODEL"
    assert error_code(model_kind="reference") == "REFERENCE_NOT_CONFIGURED"
    assert error_code(task_slug="boolq") == "ADAPTER_NOT_FOUND"  # not built in the test demo
    assert error_code(inputs={"text": "x"}) == "MISSING_FIELDS"
    assert error_code(params={"top_p": 2}) == "INVALID_PARAMS"
    assert error_code(inputs={"sentence": "x" * 9000}) == "PROMPT_TOO_LONG"
    assert error_code(inputs={"sentence": "word " * 1000}) == "PROMPT_TOO_LONG"  # > 512 tokens
    assert Generation.objects.count() == 0
    assert no_enqueue == []


def test_only_the_owning_session_can_cancel(catalog, no_enqueue, monkeypatch):
    flagged = []
    monkeypatch.setattr(services.generations.cancel, "request_cancel", flagged.append)
    generation = create()
    with pytest.raises(GenerationError):
        services.generation_cancel(generation_id=generation.id, session_key="someone-else")
    services.generation_cancel(generation_id=generation.id, session_key="s1")
    assert flagged == [str(generation.id)]
