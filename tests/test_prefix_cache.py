"""The prefix cache: a task's template is computed once per adapter, and answers never change."""

import shutil

import pytest
import torch

from worker.engine import GenerationRequest, SamplingParams
from worker.engine.prefix_cache import PrefixCache

from .test_engine import collect, prompt_for

BLOCK = 16
PARAMS = SamplingParams(max_new_tokens=10)


def kv_of(tokens: list[int]):
    """A stand-in for a slot's keys and values: position i holds token i's id."""

    def read(start: int, end: int) -> torch.Tensor:
        values = torch.tensor(tokens[start:end], dtype=torch.float32)
        return values.view(1, 1, -1, 1).expand(4, 2, -1, 3).clone()

    return read


def cached_ids(blocks: list[torch.Tensor]) -> list[int]:
    return [int(v) for block in blocks for v in block[0, 0, :, 0]]


def test_a_prompt_takes_the_blocks_an_earlier_one_began_with_but_never_its_last_token():
    cache = PrefixCache(budget_bytes=2**20, block_size=BLOCK)
    first = list(range(100, 148))  # three full blocks
    cache.insert("a", first, kv_of(first))
    assert len(cache) == 3
    # the same 48 tokens: the last block is left out, its last token gives the logits
    assert cached_ids(cache.lookup("a", first)) == first[:32]
    longer = first + [7, 8, 9]
    assert cached_ids(cache.lookup("a", longer)) == first
    assert cache.stats.hit_tokens == 32 + 48 and cache.stats.lookups == 2


def test_a_block_is_shared_only_by_prompts_equal_up_to_its_end_with_the_same_adapter():
    cache = PrefixCache(budget_bytes=2**20, block_size=BLOCK)
    prompt = list(range(200, 250))
    cache.insert("adapter-a:1", prompt, kv_of(prompt))
    assert cache.lookup("adapter-b:1", prompt) == []  # LoRA on q, k, v changes keys and values
    assert cache.lookup("adapter-a:2", prompt) == []  # the same name, other weights
    first_token_differs = [0, *prompt[1:]]
    assert cache.lookup("adapter-a:1", first_token_differs) == []  # later blocks equal, unused
    second_block_differs = prompt[:20] + [0] + prompt[21:]
    assert cached_ids(cache.lookup("adapter-a:1", second_block_differs)) == prompt[:16]


def test_only_blocks_not_cached_yet_are_read():
    cache = PrefixCache(budget_bytes=2**20, block_size=BLOCK)
    prompt, reads = list(range(64)), []
    read = kv_of(prompt)

    def recording(start, end):
        reads.append((start, end))
        return read(start, end)

    cache.insert("a", prompt[:32], recording)
    cache.insert("a", prompt, recording)
    cache.insert("a", prompt, recording)
    assert reads == [(0, 32), (32, 64)]
    assert cache.held_bytes == 4 * 4 * 2 * BLOCK * 3 * 4  # 4 blocks, each with its own storage


def test_over_budget_the_later_blocks_of_the_least_recent_prefix_go_first():
    one_block = 4 * 2 * BLOCK * 3 * 4
    cache = PrefixCache(budget_bytes=3 * one_block, block_size=BLOCK)
    old, new = list(range(1000, 1033)), list(range(2000, 2033))  # two blocks each, and a token
    cache.insert("a", old, kv_of(old))
    cache.insert("a", new, kv_of(new))
    assert cache.held_bytes <= cache.budget_bytes and len(cache) == 3
    assert cached_ids(cache.lookup("a", new)) == new[:32]
    assert cached_ids(cache.lookup("a", old)) == old[:16]  # its first block stayed, not its second


def test_a_zero_budget_caches_nothing():
    cache = PrefixCache(budget_bytes=0, block_size=BLOCK)
    prompt = list(range(40))
    cache.insert("a", prompt, kv_of(prompt))
    assert len(cache) == 0 and cache.lookup("a", prompt) == []


# --- in the engine ---------------------------------------------------------------------------
def answers(engine, requests):
    """Sent together; the final events in order."""
    handles = [engine.submit(request) for request in requests]
    return [collect(handle)[1] for handle in handles]


def test_a_task_s_template_is_prefilled_once_and_the_answers_do_not_change(demo_config, new_engine):
    prompts = [prompt_for(demo_config, "e2e_nlg", i) for i in range(6)]
    requests = [GenerationRequest(prompt, "e2e_nlg", PARAMS) for prompt in prompts]
    uncached = answers(new_engine(prefix_cache_mb=0), requests)
    engine = new_engine()
    first = engine.generate(requests[0])
    later = answers(engine, requests)  # together: the group prefill, rows from their prefixes
    assert first.cached_tokens == 0
    assert all(done.cached_tokens >= BLOCK for done in later)
    assert [done.token_ids for done in later] == [done.token_ids for done in uncached]
    assert engine.prefix.stats.hit_tokens == sum(done.cached_tokens for done in later)


def test_rows_from_a_cached_prefix_and_from_scratch_share_a_prefill(demo_config, new_engine):
    requests = [
        GenerationRequest(prompt_for(demo_config, slug, i), slug, PARAMS)
        for i in range(3)
        for slug in ("webnlg", "e2e_nlg", "gsm8k")
    ]
    uncached = answers(new_engine(prefix_cache_mb=0), requests)
    engine = new_engine()
    engine.generate(requests[0])  # webnlg's template is cached, the others' are not yet
    cached = answers(engine, requests)
    assert [done.token_ids for done in cached] == [done.token_ids for done in uncached]
    assert {done.cached_tokens > 0 for done in cached} == {True, False}


def test_a_long_prompt_prefilled_in_chunks_starts_after_its_cached_prefix(demo_config, new_engine):
    request = GenerationRequest(prompt_for(demo_config, "webnlg", 1), "webnlg", PARAMS)
    expected = new_engine(prefix_cache_mb=0).generate(request).token_ids
    chunked = new_engine(prefill_chunk=7)
    chunked.generate(request)
    again = chunked.generate(request)
    assert again.cached_tokens >= BLOCK and again.token_ids == expected


def test_adapters_and_the_base_never_share_a_prefix(demo_config, new_engine):
    engine = new_engine()
    prompt = prompt_for(demo_config, "webnlg", 1)
    engine.generate(GenerationRequest(prompt, "webnlg", PARAMS))
    assert engine.generate(GenerationRequest(prompt, "e2e_nlg", PARAMS)).cached_tokens == 0
    assert engine.generate(GenerationRequest(prompt, None, PARAMS)).cached_tokens == 0
    assert engine.generate(GenerationRequest(prompt, "webnlg", PARAMS)).cached_tokens > 0


@pytest.fixture
def two_adapters(demo_config, tmp_path):
    for slug in ("webnlg", "e2e_nlg"):
        shutil.copytree(demo_config.adapter_dir / slug, tmp_path / slug)
    return tmp_path


def test_an_adapter_replaced_on_disk_is_served_without_its_old_prefixes(
    demo_config, new_engine, two_adapters
):
    engine = new_engine(two_adapters, max_active_adapters=1)
    prompt = prompt_for(demo_config, "webnlg", 1)
    engine.generate(GenerationRequest(prompt, "webnlg", PARAMS))
    engine.generate(GenerationRequest(prompt, "e2e_nlg", PARAMS))  # evicts webnlg's weights
    weights = "adapter_model.safetensors"
    shutil.copy(two_adapters / "e2e_nlg" / weights, two_adapters / "webnlg" / weights)
    replaced = engine.generate(GenerationRequest(prompt, "webnlg", PARAMS))
    assert replaced.cached_tokens == 0  # the same name, other weights: the old keys are stale
    fresh = new_engine(two_adapters, prefix_cache_mb=0).generate(
        GenerationRequest(prompt, "webnlg", PARAMS)
    )
    assert replaced.token_ids == fresh.token_ids
