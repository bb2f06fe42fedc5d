"""The OpenAI-compatible API, called with the official `openai` client over HTTP on a live stack
(daphne, Celery workers, Redis): keys (only a hash stored, shown once, revocable) and
GET /v1/models."""

import io
from pathlib import Path

import httpx
import openai
import pytest
from django.core.management import call_command

from playground.models import ApiKey

from .test_e2e import running_stack


@pytest.fixture(scope="module")
def stack(demo_config, tmp_path_factory):
    with running_stack(demo_config, tmp_path_factory.mktemp("api")) as stack:
        yield stack


def stack_key(stack, name: str) -> str:
    return stack.manage("create_api_key", "--name", name).strip().splitlines()[-1]


def make_key(name: str = "harness") -> str:
    out = io.StringIO()
    call_command("create_api_key", "--name", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]  # the key is the last line


def client(stack, key: str) -> openai.OpenAI:
    # max_retries=0: the client retries 429 and 5xx on its own, which would hide them
    return openai.OpenAI(base_url=stack.url + "/v1", api_key=key, max_retries=0)


@pytest.mark.django_db
def test_a_key_is_shown_once_and_only_its_hash_is_kept():
    key = make_key()
    row = ApiKey.objects.get(name="harness")
    assert key.startswith("ll-") and len(key) > 40
    stored = [str(getattr(row, f.attname)) for f in ApiKey._meta.fields]
    assert not any(key in value for value in stored)  # not the key, only its SHA-256
    assert row.digest == ApiKey.digest_of(key) and key.startswith(row.prefix)
    with pytest.raises(Exception, match="NAME_TAKEN"):
        make_key()


def test_the_openai_client_lists_every_task_s_models_and_the_base(stack):
    key = stack_key(stack, "lister")
    listed = {model.id: model for model in client(stack, key).models.list()}
    base = Path(stack.env["LORALAND_BASE_MODEL"]).name
    assert {"glue_sst2", "glue_sst2@1", "glue_sst2:base", base} <= set(listed)
    served = listed["glue_sst2"]
    assert served.object == "model" and served.owned_by == "loraland" and served.created > 0
    assert (served.model_extra["root"], served.model_extra["parent"]) == ("glue_sst2", base)
    assert listed["glue_sst2:base"].model_extra["parent"] is None
    assert listed[base].model_extra["root"] == base
    assert not [m for m in listed if "gpt" in m.lower()]  # the reference is the operator's


def test_a_missing_unknown_or_revoked_key_is_refused_as_openai_refuses_it(stack):
    with pytest.raises(openai.AuthenticationError) as unknown:
        client(stack, "ll-not-a-key").models.list()
    assert unknown.value.status_code == 401 and unknown.value.code == "invalid_api_key"
    key = stack_key(stack, "revoked")
    assert client(stack, key).models.list().data
    stack.manage("create_api_key", "--revoke", "revoked")
    with pytest.raises(openai.AuthenticationError):
        client(stack, key).models.list()
    bare = httpx.get(stack.url + "/v1/models")
    assert bare.status_code == 401
    assert bare.json()["error"]["code"] == "missing_api_key"
    assert set(bare.json()["error"]) == {"message", "type", "param", "code"}
