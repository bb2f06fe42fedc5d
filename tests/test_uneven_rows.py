"""Rows of very different lengths in one engine: a decode step attends group by group
(span groups), and a prefill pass takes only prompts of similar length (head_group); the
answers stay each prompt's own."""

import torch

from worker.engine import GenerationRequest, SamplingParams
from worker.engine import batch as batch_module
from worker.engine import engine as engine_module
from worker.engine.batch import attend, span_groups
from worker.engine.engine import RequestHandle, head_group
from worker.engine.paged_cache import KVCache

from .test_engine import prompt_for

NEW_TOKENS = 10


def small_cache(slots: int = 6) -> KVCache:
    return KVCache(2, slots, 1, 4, 512, budget_bytes=2**22, device="cpu", dtype=torch.float32)


def test_one_long_row_among_short_ones_attends_in_a_group_of_its_own():
    cache = small_cache()
    positions = [20, 300, 30, 25]
    for slot, position in enumerate(positions):
        cache.promise(position + 1)
        cache.grow(slot, position + 1)
    groups = span_groups(positions, cache.tables[:4], cache, window=None)
    assert [g.rows.tolist() for g in groups.groups] == [[0, 3, 2], [1]]
    assert [g.mask.shape[-1] for g in groups.groups] == [31, 301]
    # each row's keys are its own blocks, in order, as far as its group's span
    assert groups.groups[0].read_at.view(3, -1)[0].tolist() == cache.tables[0, :2].tolist()
    # the groups' stacked outputs go back to the rows' own order
    stacked = torch.cat([g.rows for g in groups.groups])
    assert stacked.index_select(0, groups.order).tolist() == [0, 1, 2, 3]


def test_rows_of_similar_length_attend_together():
    cache = small_cache()
    positions = [100, 110, 97]
    for slot, position in enumerate(positions):
        cache.promise(position + 1)
        cache.grow(slot, position + 1)
    assert span_groups(positions, cache.tables[:3], cache, window=None) is None
    assert span_groups([5], cache.tables[:1], cache, window=None) is None


def test_bf16_attention_on_the_cpu_runs_in_float32_and_answers_in_bf16():
    torch.manual_seed(0)
    q, k, v = torch.randn(4, 6, 1, 8), torch.randn(4, 2, 40, 8), torch.randn(4, 2, 40, 8)
    mask = (
        torch.arange(40)[None, None, None, :] < torch.tensor([40, 12, 30, 5])[:, None, None, None]
    )
    exact = attend(q, k, v, mask)
    half = attend(q.bfloat16(), k.bfloat16(), v.bfloat16(), mask)
    assert half.dtype == torch.bfloat16
    # the inputs' rounding to bf16 and the output's, no more
    assert torch.allclose(half.float(), exact, atol=0.03)
    # computed in float32 from the bf16 inputs (the bf16 kernel itself differs by up to 0.004)
    rounded = [t.bfloat16().float() for t in (q, k, v)]
    assert torch.equal(half, attend(*rounded, mask).bfloat16())
    # a masked-out key has no weight: row 3 reads only its first 5
    moved = v.clone()
    moved[3, :, 5:] += 100
    assert torch.equal(attend(q, k, moved, mask)[3], exact[3])


def test_a_pass_takes_the_prompts_of_the_oldest_one_s_length():
    # the measured case: two long prompts and four short ones
    assert head_group([100, 8, 2, 4, 24, 100], pass_cost=32) == [0, 5]
    assert head_group([8, 100, 2, 4, 24, 100], pass_cost=32) == [0, 2, 3]
    # similar lengths, or a pass that costs more than the padding: one pass
    assert head_group([60, 60, 58], pass_cost=32) == [0, 1, 2]
    assert head_group([100, 8, 2, 4, 24, 100], pass_cost=512) == [0, 1, 2, 3, 4, 5]
    assert head_group([7], pass_cost=32) == [0]
    assert head_group([], pass_cost=32) == []


def test_a_long_prompt_and_short_ones_answer_as_each_does_alone(
    demo_config, new_engine, monkeypatch
):
    short = [prompt_for(demo_config, slug, index=1) for slug in ("webnlg", "e2e_nlg", "webnlg")]
    long = "\n\n".join(prompt_for(demo_config, "webnlg", index=i) for i in range(2, 6))
    prompts = [long, *short]
    params = SamplingParams(max_new_tokens=NEW_TOKENS)
    engine = new_engine(prefix_cache_mb=0)  # every prompt prefilled whole
    requests = [GenerationRequest(p, "webnlg", params) for p in prompts]
    alone = [engine.generate(request).token_ids for request in requests]
    assert len(engine.prompt_ids(long)) > 4 * max(len(engine.prompt_ids(p)) for p in short)

    split_steps, passes = [], []
    real_groups = batch_module.span_groups

    def spied_groups(*args, **kwargs):
        found = real_groups(*args, **kwargs)
        split_steps.append(found is not None)
        return found

    real_prefill = engine_module.Engine._prefill_group

    def spied_prefill(self, group):
        passes.append(len(group))
        return real_prefill(self, group)

    monkeypatch.setattr(batch_module, "span_groups", spied_groups)
    monkeypatch.setattr(engine_module.Engine, "_prefill_group", spied_prefill)
    # all four arrive in one instant, as the engine drains its inbox
    handles = [RequestHandle(request) for request in requests]
    inbox = engine._inbox
    with inbox.mutex:
        inbox.queue.extend(handles)
        inbox.unfinished_tasks += len(handles)
        inbox.not_empty.notify()
    together = [list(handle.events())[-1].token_ids for handle in handles]

    assert together == alone
    assert passes == [1, 3] or passes == [3, 1]  # the long prompt in a pass of its own
    assert any(split_steps)  # its row attended apart from the short ones'
