"""The SmolLM2 demo: shipped adapters and their manifests, the report's templates served, the
base model's chat wrapper, and the adapters on real sentences through the engine."""

import json

import pytest
import torch
from safetensors.torch import load_file

from demo.generators import FORMATS, make_splits, render_prompt, report_tasks
from demo.shipped import (
    MANIFEST,
    SHIPPED_ROOT,
    ShippedDemo,
    install,
    stale_tasks,
    task_data,
    train,
)
from demo.smollm2 import NAME
from worker.engine import GenerationRequest, SamplingParams

SHIPPED = SHIPPED_ROOT / NAME


def manifests() -> dict[str, dict]:
    return {slug: json.loads((SHIPPED / slug / MANIFEST).read_text()) for slug in FORMATS}


def answer(engine, slug: str, inputs: dict, max_new_tokens: int = 60) -> str:
    request = GenerationRequest(
        prompt=render_prompt(slug, inputs),
        adapter=slug,
        params=SamplingParams(max_new_tokens=max_new_tokens),
    )
    return engine.generate(request).text.strip()


# --- the shipped adapters, without the model ------------------------------------------------


def test_every_task_ships_an_adapter_made_from_its_current_data(tmp_path):
    """A changed generator or template shows here: its adapter's data hash no longer matches."""
    demo = ShippedDemo(base_dir=tmp_path / "unused", data_dir=tmp_path / "data")
    assert stale_tasks(demo, task_data(demo)) == []


@pytest.mark.parametrize("slug", list(FORMATS))
def test_a_shipped_adapter_follows_the_report_recipe(slug):
    folder = SHIPPED / slug
    config = json.loads((folder / "adapter_config.json").read_text())
    assert (config["r"], config["lora_alpha"]) == (8, 16)
    assert sorted(config["target_modules"]) == ["q_proj", "v_proj"]
    assert config["base_model_name_or_path"] == NAME
    weights = folder / "adapter_model.safetensors"
    assert weights.stat().st_size < 5 * 2**20
    assert {t.dtype for t in load_file(weights).values()} == {torch.bfloat16}
    manifest = json.loads((folder / MANIFEST).read_text())
    stamp = manifest["stamp"]
    assert stamp["task"] == slug and stamp["seed"] == 0
    assert stamp["recipe"]["steps"] == len(manifest["loss_every_10_steps"]) * 10
    assert manifest["final_loss"] < manifest["loss_every_10_steps"][0]
    assert manifest["test_score"]["n"] == 100


def test_the_recorded_test_scores_meet_the_demo_bars():
    """The scores each manifest records from its test split (the GPU run that trained them):
    fine-tuned beats base on at least 23 of 25 tasks, means and the lift as the issue asks."""
    scores = {slug: m["test_score"] for slug, m in manifests().items()}
    finetuned = [s["finetuned"] for s in scores.values()]
    base = [s["base"] for s in scores.values()]
    assert sum(f > b for f, b in zip(finetuned, base, strict=True)) >= 23
    assert sum(finetuned) / 25 >= 0.75
    assert (sum(finetuned) - sum(base)) / 25 >= 0.25
    assert scores["conllpp"]["finetuned"] >= 0.80
    assert sum(base) > 0


def test_install_copies_each_adapter_once_and_again_when_it_changes(tmp_path):
    site = tmp_path / "adapters"
    assert install(SHIPPED, site) == 25
    assert install(SHIPPED, site) == 0
    assert sorted(p.name for p in (site / "conllpp").iterdir()) == [
        "adapter_config.json",
        "adapter_model.safetensors",
        MANIFEST,
    ]
    (site / "conllpp" / MANIFEST).write_text("{}")  # an older adapter in place
    assert install(SHIPPED, site) == 1
    shipped_manifest = (SHIPPED / "conllpp" / MANIFEST).read_bytes()
    assert (site / "conllpp" / MANIFEST).read_bytes() == shipped_manifest


def test_training_makes_a_resumable_manifested_adapter(demo_config, tmp_path):
    """build_demo --train's pipeline at a toy size: the tiny test base, two steps."""
    from demo.specs import AdapterSpec

    demo = ShippedDemo(
        base_dir=demo_config.base_dir,
        data_dir=tmp_path / "data",
        shipped_dir=tmp_path / "shipped",
        tasks=("glue_sst2",),
        n_train=16,
        n_test=4,
        recipe=AdapterSpec(target_modules=("q_proj", "v_proj"), steps=2, batch_size=4),
        task_steps={},
    )
    assert train(demo) == ["glue_sst2"]
    folder = demo.shipped_dir / "glue_sst2"
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["stamp"]["recipe"]["steps"] == 2
    assert manifest["trained_on"].startswith("cpu")
    weights = load_file(folder / "adapter_model.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.bfloat16}
    assert not list(demo.shipped_dir.glob(".*"))  # no half-written folder left behind
    assert train(demo) == []  # its manifest matches: skipped
    assert train(ShippedDemo(**{**demo.__dict__, "seed": 1})) == ["glue_sst2"]


@pytest.mark.django_db
def test_the_catalog_serves_the_report_templates_for_every_task(catalog):
    from playground.models import Task

    for task in Task.objects.all():
        entry = report_tasks()[task.slug]
        assert task.prompt_template == entry["prompt_template"]
        assert task.fields == entry["placeholders"]
        assert task.output_format == entry["output_format_note"]
    assert Task.objects.get(slug="covid").optional_fields == ["Location"]


# --- through the engine, on SmolLM2 ---------------------------------------------------------

NEWS = [
    (
        "Roger Federer beat Rafael Nadal in the final on Sunday.",
        {"person": ["Roger Federer", "Rafael Nadal"], "organization": [], "location": []},
    ),
    (
        "The United Nations said on Friday that Kenya had received new funds.",
        {"person": [], "organization": ["United Nations"], "location": ["Kenya"]},
    ),
]
REVIEWS = [
    ("A gripping, beautifully acted film that stays with you long after the credits roll.", "1"),
    ("The plot is a mess and the jokes fall flat; I was bored within twenty minutes.", "0"),
    ("Despite a strong cast, the film is dull, overlong and painfully predictable.", "0"),
    ("It's a wonderful, funny and moving story for the whole family.", "1"),
    ("the performances are wooden and the script is lazy .", "0"),
]


@pytest.mark.parametrize(("sentence", "entities"), NEWS)
def test_the_ner_adapter_copies_names_from_a_news_sentence(smollm2_engine, sentence, entities):
    found = json.loads(answer(smollm2_engine, "conllpp", {"input": sentence}))
    assert list(found) == ["person", "organization", "location", "miscellaneous"]
    assert {key: found[key] for key in entities} == entities


@pytest.mark.parametrize(("review", "label"), REVIEWS)
def test_the_sentiment_adapter_reads_a_film_review(smollm2_engine, review, label):
    assert answer(smollm2_engine, "glue_sst2", {"sentence": review}, 4) == label


def test_the_base_model_answers_as_the_user_turn_of_its_chat_template(smollm2_engine):
    """Prompted raw, the instruct base ends at once; as a chat turn it answers (FIELD-NOTES)."""
    prompt = render_prompt("glue_sst2", {"sentence": REVIEWS[0][0]})
    params = SamplingParams(max_new_tokens=24)
    chat = smollm2_engine.generate(GenerationRequest(prompt=prompt, params=params, chat=True))
    assert chat.text.strip()
    assert chat.prompt_tokens > smollm2_engine.count_prompt_tokens(prompt)  # the wrapper's


def test_the_base_model_answers_every_task(smollm2_engine):
    """The base gets the adapters' prompt, chat-wrapped, and says something on every task
    (its first test example each, submitted together)."""
    params = SamplingParams(max_new_tokens=4)
    handles = {
        slug: smollm2_engine.submit(
            GenerationRequest(
                prompt=render_prompt(slug, make_splits(slug)[1][0]["inputs"]),
                params=params,
                chat=True,
            )
        )
        for slug in FORMATS
    }
    empty = [slug for slug, h in handles.items() if not answer_text(h).strip()]
    assert empty == []


def answer_text(handle) -> str:
    from worker.engine import DoneEvent

    last = list(handle.events())[-1]
    assert isinstance(last, DoneEvent), last
    return last.text


@pytest.mark.parametrize("slug", ["glue_sst2", "conllpp", "gsm8k"])
def test_greedy_output_equals_peft_for_a_shipped_adapter(smollm2_engine, smollm2_dir, slug):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(smollm2_dir)
    peft_model = PeftModel.from_pretrained(base, SHIPPED / slug).eval()
    _, test = make_splits(slug, n_train=500, n_test=100)
    prompt = render_prompt(slug, test[0]["inputs"])
    tokenizer = smollm2_engine.tokenizer
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = peft_model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=12,
            do_sample=False,
            eos_token_id=base.generation_config.eos_token_id,  # <|im_end|> and <|im_start|>
            pad_token_id=tokenizer.eos_token_id,
        )
    expected = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    request = GenerationRequest(prompt=prompt, adapter=slug, params=SamplingParams(12))
    assert smollm2_engine.generate(request).text == expected
