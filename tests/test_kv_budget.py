"""The KV cache's budget: one pool of blocks allocated once; requests wait for room, and one
that could never fit is refused; answers stay what they are with all the room in the world."""

import time

import pytest
import torch

from worker.engine import GenerationError, GenerationRequest, SamplingParams
from worker.engine.events import DoneEvent, ErrorEvent
from worker.engine.paged_cache import KVCache

from .test_engine import collect, prompt_for

# The test model: 4 layers, 2 KV heads of 64, float32: 4 KiB a position, 64 KiB a block of
# 16; 1 MiB holds 16 blocks, 256 positions. Its context is 512.
SMALL_MB = 1


def tiny_cache(slots=4, max_len=64, blocks=6) -> KVCache:
    per_block = 16 * 2 * 1 * 1 * 2 * 4  # 1 layer, 1 KV head, head_dim 2, float32
    return KVCache(
        1, slots, 1, 2, max_len, budget_bytes=blocks * per_block, device="cpu", dtype=torch.float32
    )


def test_blocks_are_promised_at_admission_taken_as_a_request_grows_and_all_given_back():
    cache = tiny_cache()
    assert cache.total_blocks == 6 and cache.capacity_tokens == 96
    assert cache.promise(40)  # 3 blocks set aside
    assert not cache.promise(60)  # 4 more do not fit now
    cache.grow(0, 17)  # positions 0..16: two blocks taken
    assert cache.held_blocks == 2 and cache.tables[0, :3].tolist() == [1, 2, 0]
    cache.grow(0, 32)  # still two
    assert cache.held_blocks == 2
    cache.move(0, 3)  # the table moves, the keys stay where they are
    assert cache.tables[3, :2].tolist() == [1, 2] and cache.tables[0].sum() == 0
    cache.release(3, 40)
    assert cache.held_blocks == 0 and cache.unpromised == 6 and cache.tables.sum() == 0
    assert cache.promise(96) and not cache.promise(1)


def test_the_pool_is_never_larger_than_every_slot_at_the_full_context_could_use():
    cache = tiny_cache(slots=2, max_len=32, blocks=1000)
    assert cache.total_blocks == 2 * 2


def test_a_budget_that_holds_no_block_is_refused_with_the_setting_to_raise():
    with pytest.raises(ValueError, match="LORALAND_KV_CACHE_MB"):
        tiny_cache(blocks=0)


def test_read_gives_back_what_write_put_through_the_block_table():
    cache = tiny_cache()
    kv = torch.arange(2 * 1 * 20 * 2, dtype=torch.float32).view(2, 1, 20, 2)
    cache.promise(20)
    cache.grow(1, 5)  # an earlier block, so the written positions do not start at block 1
    cache.write(2, kv)
    assert torch.equal(cache.read(2, 0, 20), kv)
    assert torch.equal(cache.read(2, 3, 18), kv[:, :, 3:18])


# --- in the engine ---------------------------------------------------------------------------
def pool_is_empty(engine, timeout_s: float = 10.0) -> bool:
    """Every block back and nothing promised: the engine gives them back just after it sends a
    request's last event, so a caller that has the event may look a moment early."""
    deadline = time.monotonic() + timeout_s
    cache = engine.cache
    while time.monotonic() < deadline:
        if cache.held_blocks == 0 and cache.unpromised == cache.total_blocks:
            return True
        time.sleep(0.01)
    return False


def long_prompt(engine, demo_config, tokens: int) -> str:
    """A task prompt padded with words to about `tokens` tokens (checked by the caller)."""
    prompt = prompt_for(demo_config, "glue_sst2", 2)
    words = 0
    while engine.count_prompt_tokens(prompt + " movie" * words) < tokens:
        words += 8
    return prompt + " movie" * words


def test_the_pool_is_allocated_once_to_its_budget_and_never_grows(new_engine, demo_config):
    engine = new_engine(kv_cache_mb=SMALL_MB)
    pointers = [layer.data_ptr() for layer in (*engine.cache.keys, *engine.cache.values)]
    allocated = sum(t.nbytes for t in (*engine.cache.keys, *engine.cache.values))
    assert allocated == engine.cache.budget_bytes <= (SMALL_MB * 2**20) + 64 * 2**10  # + block 0
    prompt = long_prompt(engine, demo_config, 200)
    engine.generate(GenerationRequest(prompt, "glue_sst2", SamplingParams(max_new_tokens=40)))
    assert [layer.data_ptr() for layer in (*engine.cache.keys, *engine.cache.values)] == pointers
    assert pool_is_empty(engine)


def test_requests_that_do_not_fit_together_wait_and_answer_as_they_would_alone(
    new_engine, demo_config
):
    roomy = new_engine()
    engine = new_engine(kv_cache_mb=SMALL_MB)  # 256 positions: one of these at a time
    params = SamplingParams(max_new_tokens=30, ignore_eos=True)
    requests = [
        GenerationRequest(long_prompt(engine, demo_config, 150 + 10 * i), slug, params)
        for i, slug in enumerate(["glue_sst2", "e2e_nlg", None, "glue_sst2", "e2e_nlg"])
    ]
    handles = [engine.submit(request) for request in requests]
    finals = [collect(handle)[1] for handle in handles]
    assert all(isinstance(final, DoneEvent) for final in finals)
    alone = [roomy.generate(request) for request in requests]
    assert [f.token_ids for f in finals] == [a.token_ids for a in alone]
    assert engine.peak_batch == 1  # each waited for the one before to end
    assert engine.cache.peak_blocks <= engine.cache.total_blocks
    assert pool_is_empty(engine)


def test_short_requests_share_the_pool_a_burst_of_long_ones_queues_and_all_finish(
    new_engine, demo_config
):
    engine = new_engine(kv_cache_mb=2)  # 512 positions
    params = SamplingParams(max_new_tokens=12, ignore_eos=True)
    short = [
        GenerationRequest(prompt_for(demo_config, "glue_sst2", i), "glue_sst2", params)
        for i in range(6)
    ]
    long = [
        GenerationRequest(long_prompt(engine, demo_config, 300), "e2e_nlg", params)
        for _ in range(4)
    ]
    handles = [engine.submit(request) for request in (*short, *long)]
    finals = [collect(handle)[1] for handle in handles]
    assert all(isinstance(f, DoneEvent) and f.completion_tokens == 12 for f in finals)
    assert engine.peak_batch > 1  # the short ones ran together
    assert pool_is_empty(engine)


def test_a_prompt_the_pool_could_never_hold_is_refused_before_it_queues(new_engine, demo_config):
    engine = new_engine(kv_cache_mb=SMALL_MB)
    too_long = long_prompt(engine, demo_config, 300)  # under the context's 512, over 256
    assert engine.count_prompt_tokens(too_long) < engine.context_length
    with pytest.raises(GenerationError) as caught:
        engine.generate(GenerationRequest(too_long, "glue_sst2"))
    assert caught.value.code == "PROMPT_TOO_LONG"
    assert "KV cache holds 256" in caught.value.message
    assert "LORALAND_KV_CACHE_MB" in caught.value.message
    done = engine.generate(GenerationRequest(prompt_for(demo_config, "glue_sst2"), "glue_sst2"))
    assert done.completion_tokens > 0  # the engine goes on


def test_an_answer_is_cut_where_the_pool_ends(new_engine, demo_config):
    engine = new_engine(kv_cache_mb=SMALL_MB)
    prompt = long_prompt(engine, demo_config, 200)
    room = engine.cache.capacity_tokens - engine.count_prompt_tokens(prompt)
    done = engine.generate(
        GenerationRequest(prompt, "glue_sst2", SamplingParams(max_new_tokens=500, ignore_eos=True))
    )
    assert done.completion_tokens == room and done.finish_reason == "length"


def test_a_request_cancelled_while_it_waits_for_room_frees_nothing_it_never_held(
    new_engine, demo_config
):
    engine = new_engine(kv_cache_mb=SMALL_MB)
    params = SamplingParams(max_new_tokens=60, ignore_eos=True)
    first = engine.submit(GenerationRequest(long_prompt(engine, demo_config, 150), None, params))
    waiting = engine.submit(GenerationRequest(long_prompt(engine, demo_config, 150), None, params))
    waiting.cancel()
    assert collect(waiting)[1].finish_reason == "cancelled"
    assert isinstance(collect(first)[1], DoneEvent)
    assert pool_is_empty(engine)
    after = engine.generate(GenerationRequest(long_prompt(engine, demo_config, 150), None, params))
    assert after.completion_tokens == 60


def test_a_failed_step_gives_every_block_back_with_the_requests_it_fails(new_engine, monkeypatch):
    engine = new_engine(kv_cache_mb=SMALL_MB)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_decode", broken)
    final = collect(engine.submit(GenerationRequest("hello there", None)))[1]
    assert isinstance(final, ErrorEvent) and final.code == "ENGINE_ERROR"
    assert pool_is_empty(engine)


def test_a_long_cached_prompt_prefilled_beside_a_long_new_one_answers_as_alone(
    new_engine, demo_config
):
    """In one group prefill, a prompt near the context with most of it cached, padded to the
    width of a long uncached one, has padded positions past its block table: they go to block
    0 and the answers stay what they are (this once failed the whole step)."""
    engine = new_engine()
    params = SamplingParams(max_new_tokens=5, ignore_eos=True)
    near_context = long_prompt(engine, demo_config, 440)  # the test model's context is 512
    alone = engine.generate(GenerationRequest(near_context, "glue_sst2", params))  # cached now
    other = long_prompt(engine, demo_config, 150).replace("movie", "film")
    other_alone = new_engine(prefix_cache_mb=0).generate(GenerationRequest(other, None, params))
    handles = [
        engine.submit(GenerationRequest(near_context, "glue_sst2", params)),
        engine.submit(GenerationRequest(other, None, params)),
    ]
    finals = [collect(handle)[1] for handle in handles]
    assert finals[0].cached_tokens > 400  # most of it came from the prefix cache
    assert [f.token_ids for f in finals] == [alone.token_ids, other_alone.token_ids]


def test_a_failed_prefill_fails_the_requests_it_held_instead_of_losing_them(
    new_engine, demo_config, monkeypatch
):
    """Requests taken off the queue into a prefill group are in no queue while it runs: a step
    that fails then must still end them (their readers once waited for ever)."""
    engine = new_engine(kv_cache_mb=SMALL_MB)

    def broken(group):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_prefill_group", broken)
    handles = [
        engine.submit(GenerationRequest(prompt_for(demo_config, "glue_sst2", i), "glue_sst2"))
        for i in range(3)
    ]
    finals = [last_event_within(handle, seconds=30) for handle in handles]
    assert all(isinstance(f, ErrorEvent) and f.code == "ENGINE_ERROR" for f in finals)
    assert pool_is_empty(engine)


def last_event_within(handle, seconds: float):
    deadline = time.monotonic() + seconds

    def give_up():
        if time.monotonic() > deadline:
            raise AssertionError(f"no last event within {seconds} s: the request was lost")

    return list(handle.events(on_idle=give_up))[-1]


def test_by_default_the_cpu_pool_is_1_gib_or_what_every_slot_could_use_if_less(new_engine):
    from worker.engine.paged_cache import default_budget_bytes

    assert default_budget_bytes("cpu") == 2**30
    cache = new_engine().cache  # the test model needs far less than 1 GiB at its full context
    assert cache.total_blocks == cache.tables.shape[0] * cache.blocks_per_slot


def test_the_setting_reaches_the_engine_s_config(settings):
    from playground.tasks import engine_config

    settings.LORALAND_KV_CACHE_MB = 3
    assert engine_config().kv_cache_mb == 3
