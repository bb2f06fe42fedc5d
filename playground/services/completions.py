"""The API's completions: what a model name stands for, how a prompt or chat messages become the
task's prompt, and the generation that answers them (stored and enqueued as the pages' are).

How messages become a prompt (docs/api.md): for a task's model (`<slug>`, `<slug>@<version>`,
`<slug>:base`) the last user message fills the template's one field, a JSON object in it fills
named fields, and `raw` sends it unchanged; other messages are not used. The base model's own
name takes a completion's prompt as it is and a chat's messages through its chat template."""

import json
import uuid
from dataclasses import dataclass

from django.conf import settings

from ..errors import GenerationError
from ..models import Adapter, Generation, Task, current_base_model
from ..prompts import render_prompt, validate_params
from .generations import check_prompt_length, store_generation

ROLES = {"system", "developer", "user", "assistant", "tool"}
MAX_MESSAGES = 256


@dataclass(frozen=True)
class ModelTarget:
    """What an API model name stands for: a task's adapter or base model, or the raw base."""

    name: str
    task: Task | None  # None: the base model's own name, no template
    model_kind: str  # finetuned | base
    adapter_name: str | None = None


def resolve_model(name) -> ModelTarget:
    """`<slug>` (the served adapter), `<slug>@<version>`, `<slug>:base`, or the base model's
    name; else MODEL_NOT_FOUND."""
    if not isinstance(name, str) or not name:
        raise GenerationError("MISSING_MODEL", "model is required: see GET /v1/models.")
    if name == current_base_model():
        return ModelTarget(name, None, Generation.ModelKind.BASE)
    slug, version, base = name, None, False
    if name.endswith(":base"):
        slug, base = name.removesuffix(":base"), True
    elif "@" in name:
        slug, _, version = name.partition("@")
    task = Task.objects.filter(slug=slug).first()
    adapter = None if task is None or base else pinned_or_served(task, version)
    if task is None or (adapter is None and not base):
        raise GenerationError(
            "MODEL_NOT_FOUND", f"The model {name!r} does not exist: see GET /v1/models."
        )
    if base:
        return ModelTarget(name, task, Generation.ModelKind.BASE)
    return ModelTarget(name, task, Generation.ModelKind.FINETUNED, adapter.name)


def pinned_or_served(task: Task, version: str | None) -> Adapter | None:
    if version is None:
        return task.active_adapter
    if not version.isdigit():
        return None
    active = task.adapters.filter(is_active=True, version=int(version))
    return active.order_by("-created_at").first()


def completion_create(
    *,
    target: ModelTarget,
    params: dict,
    prompt: str | None = None,
    messages: list | None = None,
    raw: bool = False,
    client_ref: str = "",
    generation_id: uuid.UUID | None = None,
) -> Generation:
    """Store and enqueue the answer to a completion (`prompt`) or a chat (`messages`)."""
    checked = validate_params(
        params,
        max_new_tokens_limit=settings.LORALAND_MAX_NEW_TOKENS,
        default_max_new_tokens=settings.LORALAND_MAX_NEW_TOKENS,
    )
    conversation = None
    if messages is not None:
        conversation = checked_messages(messages)
        text = last_user_text(conversation)
    else:
        text = prompt
    if not isinstance(text, str) or not text.strip():
        raise GenerationError("INVALID_INPUTS", "The prompt must be non-empty text.")
    inputs = {}
    if target.task is None:  # the base model's own name: the text, or the conversation
        prompt_text, raw = text, True
    elif raw:
        prompt_text = text
    else:
        inputs = inputs_from(target.task, text)
        prompt_text = render_prompt(
            target.task.prompt_template, inputs, target.task.optional_fields
        )
    if conversation is not None and target.task is None:  # the whole conversation is read
        check_prompt_length("\n".join(m["content"] for m in conversation))
    else:
        check_prompt_length(prompt_text)
    return store_generation(
        task=target.task,
        model_kind=target.model_kind,
        adapter_name=target.adapter_name,
        inputs=inputs,
        prompt=prompt_text,
        params=checked,
        messages=conversation if target.task is None else None,
        rendered=not raw,
        client_ref=client_ref,
        generation_id=generation_id,
    )


def checked_messages(messages) -> list[dict]:
    """OpenAI's messages as [{"role", "content": text}]; content parts of type text joined."""
    if not isinstance(messages, list) or not messages or len(messages) > MAX_MESSAGES:
        raise GenerationError(
            "INVALID_MESSAGES", f"messages must be a list of 1 to {MAX_MESSAGES} messages."
        )
    checked = []
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        known = isinstance(role, str) and role in ROLES  # a role may be any JSON value
        content = message_text(message.get("content")) if known else None
        if content is None:
            raise GenerationError(
                "INVALID_MESSAGES",
                f"messages[{index}] must have a role ({', '.join(sorted(ROLES))}) and text "
                f"content (a string, or parts of type text).",
            )
        checked.append({"role": role, "content": content})
    return checked


def message_text(content) -> str | None:
    if isinstance(content, str):
        return content
    if content is None:
        return ""  # an assistant turn that only called tools
    if isinstance(content, list) and all(
        isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
        for part in content
    ):
        return "".join(part["text"] for part in content)
    return None


def last_user_text(messages: list[dict]) -> str:
    users = [m["content"] for m in messages if m["role"] == "user"]
    if not users:
        raise GenerationError("INVALID_MESSAGES", "messages must hold a user message.")
    return users[-1]


def inputs_from(task: Task, text: str) -> dict:
    """A task's field values from one text: a JSON object names them; else the text fills the
    template's one field (its one required field, where the others may be left blank)."""
    if text.lstrip().startswith("{"):
        try:
            named = json.loads(text)
        except json.JSONDecodeError:
            named = None
        if isinstance(named, dict):
            return named
    required = [f for f in task.fields if f not in task.optional_fields]
    if len(required) == 1:
        return {required[0]: text}
    example = json.dumps(dict.fromkeys(task.fields, "..."))
    raise GenerationError(
        "MISSING_FIELDS",
        f"{task.slug}'s template has the fields {', '.join(task.fields)}: send the user message "
        f'as a JSON object such as {example}, or add "raw": true to send it unchanged.',
    )
