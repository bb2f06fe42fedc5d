"""Continuous batching with per-row LoRA: mixed adapters (ranks, target modules) in one batch
equal PEFT one request at a time; the adapter LRU under a small cap; stops; broken adapters."""

import shutil
import threading
from dataclasses import replace

import pytest
import torch

from worker.engine import (
    DoneEvent,
    ErrorEvent,
    GenerationRequest,
    SamplingParams,
)
from worker.engine.lora import load_lora_adapter

from .conftest import TEST_TASKS
from .test_engine import collect, prompt_for

# Adapters made with peft's own API next to the trained ones: other ranks, other modules.
EXTRA_ADAPTERS = {
    "rank16_qkvo": {"r": 16, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]},
    "rank4_qv": {"r": 4, "target_modules": ["q_proj", "v_proj"]},
    "rank8_mlp": {"r": 8, "target_modules": ["gate_proj", "up_proj", "down_proj"]},
}
NEW_TOKENS = 12


@pytest.fixture(scope="module")
def adapter_dir(demo_config, tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("adapters")
    for slug in TEST_TASKS:
        shutil.copytree(demo_config.adapter_dir / slug, root / slug)
    for index, (name, options) in enumerate(EXTRA_ADAPTERS.items()):
        torch.manual_seed(index)
        base = AutoModelForCausalLM.from_pretrained(demo_config.base_dir)
        # init_lora_weights=False: random A and B, so the adapter really changes the output
        config = LoraConfig(lora_alpha=16, init_lora_weights=False, **options)
        get_peft_model(base, config).save_pretrained(root / name)
    return root


@pytest.fixture(scope="module")
def names(adapter_dir):
    return sorted(p.name for p in adapter_dir.iterdir())


def prompt_of(demo_config, name: str) -> str:
    if name in TEST_TASKS:
        return prompt_for(demo_config, name, index=2)
    # The untrained adapters get text cut mid-sentence, which the base goes on writing (at a
    # task prompt's end the base, never taught the task, would stop at once).
    text = prompt_for(demo_config, "webnlg", index=2)
    return text[: len(text) // 2]


@pytest.fixture(scope="module")
def peft_answers(demo_config, adapter_dir, names):
    """Each adapter's greedy ids from PEFT: set_adapter + generate, one request at a time."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(demo_config.base_dir)
    base = AutoModelForCausalLM.from_pretrained(demo_config.base_dir)
    model = PeftModel.from_pretrained(base, adapter_dir / names[0], adapter_name=names[0])
    for name in names[1:]:
        model.load_adapter(adapter_dir / name, adapter_name=name)
    model.eval()
    answers = {}
    for name in names:
        model.set_adapter(name)
        ids = tokenizer(prompt_of(demo_config, name), return_tensors="pt")["input_ids"]
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=NEW_TOKENS,
                do_sample=False,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
        answers[name] = tuple(
            t for t in out[0, ids.shape[1] :].tolist() if t != tokenizer.eos_token_id
        )
    return answers


def submit_all(engine, demo_config, names):
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    return [
        (name, engine.submit(GenerationRequest(prompt_of(demo_config, name), name, params)))
        for name in names
    ]


def test_a_mixed_batch_equals_peft_for_every_adapter(
    demo_config, adapter_dir, names, peft_answers, new_engine
):
    engine = new_engine(adapter_dir)
    for name, handle in submit_all(engine, demo_config, names):  # cold: loads as they come
        assert collect(handle)[1].token_ids == peft_answers[name], name
    # warm: all resident, so short prompts are prefilled together in mixed groups too
    handles = submit_all(engine, demo_config, names * 2)  # each adapter twice in the batch
    results = [(name, collect(handle)[1]) for name, handle in handles]
    assert engine.peak_batch >= len(names)  # they really ran together
    assert engine.lora.rank == 16  # r=4 and r=8 were padded into the r=16 stack
    for name, done in results:
        assert isinstance(done, DoneEvent), done
        assert done.token_ids == peft_answers[name], name
    # the random adapters do change the answer: the test would catch LoRA being skipped
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    base = engine.generate(GenerationRequest(prompt_of(demo_config, "rank16_qkvo"), None, params))
    assert any(peft_answers[name] != base.token_ids for name in EXTRA_ADAPTERS)


def test_rows_grouped_by_adapter_equal_peft(
    demo_config, adapter_dir, names, peft_answers, new_engine, monkeypatch
):
    # Three rows per adapter, as at 100 users over 25 adapters: the pass reads each adapter
    # once, its rows grouped (LoraStack._by_adapter), and every row still equals PEFT.
    engine = new_engine(adapter_dir)
    for _, handle in submit_all(engine, demo_config, names):  # every adapter resident
        collect(handle)
    grouped, real = [], engine.lora._by_adapter

    def spy(slots, counts, adapters, first_row):
        grouped.append((len(slots), len(adapters)))
        return real(slots, counts, adapters, first_row)

    monkeypatch.setattr(engine.lora, "_by_adapter", spy)
    results = [(name, collect(h)[1]) for name, h in submit_all(engine, demo_config, names * 3)]
    assert grouped and max(adapters for _, adapters in grouped) >= len(names) - 1  # most, too
    for name, done in results:
        assert isinstance(done, DoneEvent), done
        assert done.token_ids == peft_answers[name], name


def test_base_rows_and_adapter_rows_share_a_batch(
    demo_config, adapter_dir, peft_answers, new_engine
):
    engine = new_engine(adapter_dir)
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    alone = engine.generate(GenerationRequest(prompt_of(demo_config, "e2e_nlg"), None, params))
    handles = [
        engine.submit(GenerationRequest(prompt_of(demo_config, "e2e_nlg"), None, params)),
        engine.submit(GenerationRequest(prompt_of(demo_config, "gsm8k"), "gsm8k", params)),
    ]
    base_done, tuned_done = (collect(h)[1] for h in handles)
    assert base_done.token_ids == alone.token_ids
    assert tuned_done.token_ids == peft_answers["gsm8k"]


def test_the_adapter_lru_evicts_and_reloads_under_a_small_cap(
    demo_config, adapter_dir, names, peft_answers, new_engine
):
    engine = new_engine(adapter_dir, max_active_adapters=2)
    params = SamplingParams(max_new_tokens=NEW_TOKENS)

    def ask(name):
        done = engine.generate(GenerationRequest(prompt_of(demo_config, name), name, params))
        assert done.token_ids == peft_answers[name]

    first, second, third = names[:3]
    ask(first)
    ask(second)
    assert engine.resident_adapters() == [first, second]
    ask(first)  # now the most recently used
    ask(third)  # evicts `second`, the least recently used
    assert engine.resident_adapters() == [first, third]
    ask(second)  # read from disk again, same answer
    assert set(engine.resident_adapters()) == {third, second}


def test_more_adapters_in_flight_than_slots_wait_and_all_finish(
    demo_config, adapter_dir, names, peft_answers, new_engine
):
    engine = new_engine(adapter_dir, max_active_adapters=2)
    handles = submit_all(engine, demo_config, names)
    for name, handle in handles:
        done = collect(handle)[1]
        assert isinstance(done, DoneEvent) and done.token_ids == peft_answers[name], name


def test_a_broken_adapter_fails_alone_while_the_batch_goes_on(
    demo_config, adapter_dir, names, new_engine
):
    shutil.copytree(adapter_dir / "gsm8k", adapter_dir / "truncated")
    weights = adapter_dir / "truncated" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    engine = new_engine(adapter_dir)
    params = SamplingParams(max_new_tokens=40)
    good = engine.submit(GenerationRequest(prompt_of(demo_config, "webnlg"), "webnlg", params))
    bad = engine.submit(GenerationRequest(prompt_of(demo_config, "gsm8k"), "truncated", params))
    _, bad_end = collect(bad)
    _, good_end = collect(good)
    assert isinstance(bad_end, ErrorEvent) and bad_end.code == "ADAPTER_INVALID"
    assert "truncated" in bad_end.message
    assert isinstance(good_end, DoneEvent) and good_end.completion_tokens > 0
    shutil.rmtree(adapter_dir / "truncated")


def test_a_stop_sequence_ends_one_row_and_cuts_its_text(engine, demo_config):
    prompt = prompt_for(demo_config, "e2e_nlg")
    params = SamplingParams(max_new_tokens=30)
    full = engine.generate(GenerationRequest(prompt, "e2e_nlg", params)).text
    stop = full[len(full) // 2 : len(full) // 2 + 3]
    assert stop and stop in full
    other = engine.submit(GenerationRequest(prompt_for(demo_config, "webnlg"), "webnlg", params))
    stopped = engine.generate(GenerationRequest(prompt, "e2e_nlg", replace(params, stop=(stop,))))
    assert stopped.finish_reason == "stop"
    assert stopped.text == full[: full.index(stop)]
    assert isinstance(collect(other)[1], DoneEvent)


def test_a_long_prompt_is_prefilled_in_chunks_without_changing_the_answer(demo_config, new_engine):
    prompt = prompt_for(demo_config, "webnlg")
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    whole = new_engine()
    chunked = new_engine(prefill_chunk=7)
    expected = whole.generate(GenerationRequest(prompt, "webnlg", params)).token_ids
    assert chunked.generate(GenerationRequest(prompt, "webnlg", params)).token_ids == expected


def test_a_slow_adapter_read_does_not_hold_up_other_rows(
    demo_config, adapter_dir, peft_answers, new_engine
):
    engine = new_engine(adapter_dir)
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    fast = GenerationRequest(prompt_of(demo_config, "gsm8k"), "gsm8k", params)
    engine.generate(fast)  # gsm8k is resident from now on
    fast_finished, release, seen = threading.Event(), threading.Event(), []
    read = engine.adapters.read

    def slow_read(name):
        if name == "webnlg":
            release.wait(60)  # a slow disk, until the other request is done (or 60 s)
            seen.append(fast_finished.is_set())
        return read(name)

    engine.adapters.read = slow_read
    slow = engine.submit(GenerationRequest(prompt_of(demo_config, "webnlg"), "webnlg", params))
    assert engine.generate(fast).token_ids == peft_answers["gsm8k"]
    fast_finished.set()
    release.set()
    assert collect(slow)[1].token_ids == peft_answers["webnlg"]
    assert seen == [True]  # the other request finished while webnlg was still being read


def test_the_pool_holds_the_adapters_and_a_row_only_for_a_row_without_one(
    demo_config, adapter_dir, new_engine
):
    engine = new_engine(adapter_dir, max_active_adapters=2, max_batch=3)
    adapters = [load_lora_adapter(slug, adapter_dir / slug) for slug in TEST_TASKS]
    for adapter in adapters:  # the trained adapters all have the same rank and modules
        engine.lora.load(adapter)
    stack, size = engine.lora, adapters[0].nbytes
    # two adapters, no spare "no adapter" row: a batch of base rows needs no weights
    assert stack.held_bytes() == {"adapters": 2 * size, "extra_rows": 0}
    slots = [stack.slot_of(adapters[-1].name), stack.slot_of(adapters[-2].name)]
    stack.gather(slots)
    assert stack.held_bytes() == {"adapters": 2 * size, "extra_rows": 0}
    # a base row next to adapter rows reads a row of zeros
    stack.gather([slots[0], 0, slots[1]])
    assert stack.held_bytes() == {"adapters": 2 * size, "extra_rows": size}


def test_an_idle_engine_gives_back_a_burst_s_extra_pool_rows(
    demo_config, adapter_dir, new_engine, monkeypatch
):
    import time

    from worker.engine import engine as engine_module

    monkeypatch.setattr(engine_module, "IDLE_TRIM_S", 60.0)
    engine = new_engine(adapter_dir)
    trims, real = [], engine.lora.trim

    def spy():
        trims.append(engine.lora.held_bytes()["extra_rows"])
        return real()

    monkeypatch.setattr(engine.lora, "trim", spy)
    params = SamplingParams(max_new_tokens=4)

    def run(names):
        handles = [
            engine.submit(GenerationRequest(prompt_of(demo_config, n or "e2e_nlg"), n, params))
            for n in names
        ]
        for handle in handles:
            assert isinstance(collect(handle)[1], DoneEvent)

    run([TEST_TASKS[0], TEST_TASKS[0], TEST_TASKS[1], None])  # a copy and a row of zeros
    time.sleep(0.2)
    assert trims == [] and engine.lora.held_bytes()["extra_rows"] > 0  # not while in use
    monkeypatch.setattr(engine_module, "IDLE_TRIM_S", 0.05)
    run([None])  # wakes the engine, which then waits 0.05 s at most
    deadline = time.monotonic() + 5
    while engine.lora.held_bytes()["extra_rows"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert trims and max(trims) > 0  # the idle engine dropped the burst's extra rows
    assert engine.lora.held_bytes()["extra_rows"] == 0


def test_a_stack_that_keys_q_k_and_v_apart_is_refused(demo_config):
    # BatchedForward asks the stack for each layer's q, k and v together; a stack made
    # without those groups would find none and silently add no LoRA to them.
    from worker.engine.batch import BatchedForward, shared_inputs
    from worker.engine.lora import LoraStack
    from worker.engine.model import load_base_model

    model, _ = load_base_model(str(demo_config.base_dir), device="cpu", dtype="float32")
    with pytest.raises(ValueError, match="shared_inputs"):
        BatchedForward(model, LoraStack(model, 2, device="cpu", dtype=torch.float32))
    groups = shared_inputs(model)
    stack = LoraStack(model, 2, device="cpu", dtype=torch.float32, shared_inputs=groups)
    key = stack.group_of("model.layers.0.self_attn.k_proj")
    assert BatchedForward(model, stack).groups[0].qkv == key


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rms_norm_computes_what_the_model_s_own_module_does_to_the_bit(dtype):
    from transformers.models.mistral.modeling_mistral import MistralRMSNorm

    from worker.engine.batch import rms_norm

    norm = MistralRMSNorm(64, eps=1e-5).to(dtype)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(64, generator=generator))
    x = (torch.randn(3, 5, 64, generator=generator) * 4).to(dtype)
    assert torch.equal(rms_norm(norm, x), norm(x))
