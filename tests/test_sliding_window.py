"""Sliding-window attention (Mistral-7B-v0.1 attends over 4,096 positions): the engine masks as
transformers does, in prefill and in decode, with and without an adapter."""

import json
import shutil

import pytest
import torch

from worker.engine import Engine, EngineConfig, GenerationRequest, SamplingParams
from worker.engine.batch import causal_mask

WINDOW = 32
NEW_TOKENS = 24


def test_a_query_sees_itself_and_the_window_minus_one_positions_before_it():
    mask = causal_mask(torch.tensor([[0, 1, 2, 3, 4, 5]]), span=6, window=3)[0, 0]
    assert mask.int().tolist() == [
        [1, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [0, 1, 1, 1, 0, 0],
        [0, 0, 1, 1, 1, 0],
        [0, 0, 0, 1, 1, 1],
    ]
    assert causal_mask(torch.tensor([[5]]), span=6, window=None)[0, 0].all()


@pytest.fixture(scope="module")
def windowed(demo_config, tmp_path_factory):
    """A tiny random Mistral with a 32-position window, the test demo's tokenizer, and a
    random r=4 adapter on q and v."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    root = tmp_path_factory.mktemp("windowed")
    tokenizer = AutoTokenizer.from_pretrained(demo_config.base_dir)
    config = MistralConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        sliding_window=WINDOW,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=None,  # transformers generates NEW_TOKENS as the engine's ignore_eos does
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = MistralForCausalLM(config)
    with torch.no_grad():  # larger weights than the default init: tokens depend on context
        for parameter in model.parameters():
            parameter.mul_(8.0)
    model.save_pretrained(root / "model")
    tokenizer.save_pretrained(root / "model")
    lora = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():
        for name, parameter in lora.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    lora.save_pretrained(root / "adapters" / "windowed")
    unwindowed = root / "unwindowed"
    shutil.copytree(root / "model", unwindowed)
    settings = json.loads((unwindowed / "config.json").read_text())
    (unwindowed / "config.json").write_text(json.dumps({**settings, "sliding_window": None}))
    return root


def transformers_answer(root, model_dir, prompt_ids, adapter: bool) -> list[int]:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter:
        model = PeftModel.from_pretrained(model, root / "adapters" / "windowed")
    with torch.inference_mode():
        out = model.eval().generate(
            input_ids=torch.tensor([prompt_ids]),
            attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long),
            max_new_tokens=NEW_TOKENS,
            do_sample=False,
        )
    return out[0, len(prompt_ids) :].tolist()


@pytest.mark.parametrize("adapter", [None, "windowed"])
@pytest.mark.parametrize("prompt_length", [20, 151])
def test_greedy_answers_equal_transformers_across_the_window(windowed, adapter, prompt_length):
    """A 20-token prompt crosses the window while it decodes; a 151-token one is past it in
    prefill (in chunks of 64 too)."""
    prompt_ids = [(7 * i) % 200 + 10 for i in range(prompt_length)]
    engines = [
        Engine(
            EngineConfig(str(windowed / "model"), str(windowed / "adapters"), prefill_chunk=chunk)
        )
        for chunk in (512, 64)
    ]
    try:
        assert engines[0].forward.window == WINDOW
        params = SamplingParams(max_new_tokens=NEW_TOKENS, ignore_eos=True)
        prompt = engines[0].tokenizer.decode(prompt_ids)
        sent = engines[0].prompt_ids(prompt)
        request = GenerationRequest(prompt, adapter, params)
        answers = [engine.generate(request).token_ids for engine in engines]
    finally:
        for engine in engines:
            engine.close()
    with_lora = adapter is not None
    expected = transformers_answer(windowed, windowed / "model", sent, with_lora)
    assert list(answers[0]) == expected and list(answers[1]) == expected
    # the window changes the answer: without it, transformers answers otherwise
    assert transformers_answer(windowed, windowed / "unwindowed", sent, with_lora) != expected
