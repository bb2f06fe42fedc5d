"""The demo's training really teaches the tasks: on the small test demo (4 tasks, few steps)
the adapters' loss falls and the fine-tuned model outscores the base on the tasks' metrics."""

import io
import json

import pytest
from django.core.management import call_command

from demo.build import build_demo

from .conftest import TEST_TASKS

pytestmark = pytest.mark.django_db


def test_adapter_training_lowers_the_loss(demo_config):
    for slug in TEST_TASKS:
        losses = json.loads((demo_config.adapter_dir / slug / "loss.json").read_text())["step_loss"]
        assert len(losses) == demo_config.adapter.steps
        assert sum(losses[-5:]) / 5 < 0.85 * sum(losses[:5]) / 5, slug


def test_finetuned_beats_base_on_the_metrics(catalog):
    out = io.StringIO()
    call_command(
        "evaluate",
        "--limit",
        "10",
        "--json",
        *sum([["--task", s] for s in TEST_TASKS], []),
        stdout=out,
        stderr=io.StringIO(),
    )
    mean = json.loads(out.getvalue())["mean"]
    assert mean["finetuned"] > mean["base"] + 0.1, mean


def test_a_second_build_changes_nothing(demo_config):
    outputs = [demo_config.base_dir / "model.safetensors"] + [
        demo_config.adapter_dir / slug / "adapter_model.safetensors" for slug in TEST_TASKS
    ]
    before = [path.stat().st_mtime_ns for path in outputs]
    build_demo(demo_config)
    assert [path.stat().st_mtime_ns for path in outputs] == before


def test_the_build_stamp_follows_the_data():
    from demo.build import digest
    from demo.generators import make_splits

    train, test = make_splits("glue_sst2", n_train=5, n_test=2)
    datasets = {"glue_sst2": {"train": train, "test": test}}
    before = digest(datasets)
    train[0] = {**train[0], "output": train[0]["output"] + "!"}
    assert digest(datasets) != before  # a changed generator rebuilds the base and adapters


def test_the_answer_only_loss_equals_the_full_models_loss(demo_config):
    """answer_loss applies the output layer to answer positions only; the number must not
    change, only the work."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from demo.generators import render_prompt
    from demo.training import answer_loss, collate, encode_example, full_loss

    tokenizer = AutoTokenizer.from_pretrained(demo_config.base_dir)
    base = AutoModelForCausalLM.from_pretrained(demo_config.base_dir)
    model = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    rows = [json.loads(line) for line in (demo_config.data_dir / "glue_sst2/test.jsonl").open()]
    examples = [
        encode_example(tokenizer, render_prompt("glue_sst2", r["inputs"]), r["output"])
        for r in rows[:6]
    ]
    batch = collate(examples, tokenizer.pad_token_id)  # rows of different lengths: padding
    with torch.no_grad():
        assert answer_loss(model, batch).item() == pytest.approx(full_loss(model, batch).item())
