"""LoraStack against the definition of LoRA, on a tiny module tree (no model, no files).

A seeded random walk loads adapters of mixed ranks and modules into few slots (so slots are
reused, the layout grows and adapters move between rows of the pool), and gathers random
mixes of rows, some without an adapter, some sharing one, at random first rows (as prefills
do); every step's output must equal base + x·Aᵀ·(B·scaling)ᵀ computed straight from each
row's adapter, also for two modules that read one input and take their A's in one matmul
(an adapter may target either, both or neither). The pool holds each resident adapter
once, plus a copy only for a second row that shares one."""

import random

import pytest
import torch

from worker.engine import GenerationError
from worker.engine.lora import LoraAdapter, LoraLayer, LoraStack

SHAPES = [(6, 5), (6, 7), (3, 3)]  # (in_features, out_features) of three linear layers
SHARED = [("l0", "l1")]  # l0 and l1 read one input, as a layer's q, k and v do
GROUPS = [("l0", "l1"), ("l2",)]
MAX_ROWS = 6


def tiny_model() -> torch.nn.Module:
    model = torch.nn.Module()
    for index, (fan_in, fan_out) in enumerate(SHAPES):
        model.add_module(f"l{index}", torch.nn.Linear(fan_in, fan_out))
    return model


def random_adapter(name: str, rnd: random.Random) -> LoraAdapter:
    rank = rnd.choice([1, 2, 4])
    modules = rnd.sample(range(len(SHAPES)), rnd.randint(1, len(SHAPES)))
    layers = {
        f"l{i}": LoraLayer(torch.randn(rank, SHAPES[i][0]), torch.randn(SHAPES[i][1], rank), 0.5)
        for i in modules
    }
    return LoraAdapter(name, rank, layers)


def expected(adapter: LoraAdapter | None, name: str, x, base):
    if adapter is None or name not in adapter.layers:
        return base
    layer = adapter.layers[name]
    return base + x @ layer.a.T @ (layer.b * layer.scaling).T


def assert_lora_by_definition(
    gathered, slots, adapter_of, *, length=2, dtype=torch.float32, **tolerance
):
    """Through `gathered`, each input group's outputs equal LoRA's definition, row by row
    (`adapter_of(slot)`: the adapter a slot holds)."""
    for group in GROUPS:
        x = torch.randn(len(slots), length, SHAPES[int(group[0][1:])][0])
        bases = [torch.randn(len(slots), length, SHAPES[int(name[1:])][1]) for name in group]
        outs = [base.to(dtype, copy=True) for base in bases]  # apply adds in place
        LoraStack.apply(group, x.to(dtype), outs, gathered)
        for name, base, out in zip(group, bases, outs, strict=True):
            for row, slot in enumerate(slots):
                want = expected(adapter_of(slot) if slot else None, name, x[row], base[row])
                assert torch.allclose(out[row].float(), want, **tolerance), (name, slots, row)


def test_every_step_of_a_random_walk_equals_lora_by_definition(monkeypatch):
    torch.manual_seed(0)
    rnd = random.Random(0)
    # a small cache of module views, so that the walk also reads views kept across evictions
    monkeypatch.setattr("worker.engine.lora.VIEW_CACHE_SIZE", 3)
    stack = LoraStack(tiny_model(), 3, device="cpu", dtype=torch.float32, shared_inputs=SHARED)
    by_adapter = moves_made(stack, monkeypatch, methods=("_by_adapter",))
    adapter_in = {}  # slot -> the adapter loaded there last
    for step in range(600):
        if rnd.random() < 0.2 and stack.has_room():
            adapter = random_adapter(f"a{step}", rnd)
            adapter_in[stack.load(adapter)] = adapter
        if rnd.random() < 0.05:
            stack.trim()  # as an idle engine does: one row per resident adapter is left
            assert stack.held_bytes()["extra_rows"] == 0
        resident = [stack.slot_of(name) for name in stack.resident_names()]
        rows = rnd.randint(1, MAX_ROWS)
        first_row = rnd.randint(0, MAX_ROWS - rows)
        slots = [rnd.choice([*resident, 0]) for _ in range(rows)]
        gathered = stack.gather(slots, first_row, one_token=rnd.random() < 0.5)
        assert_lora_by_definition(gathered, slots, adapter_in.get, atol=1e-4)
    assert stack.rank == 4  # the layout grew to the largest rank on the way
    assert len(by_adapter) > 30  # passes with its rows grouped by adapter, too


def test_an_adapter_whose_a_and_b_ranks_differ_is_refused_before_anything_changes():
    stack = LoraStack(tiny_model(), 2, device="cpu", dtype=torch.float32)
    bad = LoraAdapter("bad", 4, {"l0": LoraLayer(torch.randn(4, 6), torch.randn(5, 2), 1.0)})
    with pytest.raises(GenerationError) as caught:
        stack.load(bad)
    assert caught.value.code == "ADAPTER_INVALID"
    assert stack.resident_names() == [] and stack.held_bytes() == {"adapters": 0, "extra_rows": 0}


def loaded_stack(count: int) -> tuple[LoraStack, list[int]]:
    rnd = random.Random(1)
    stack = LoraStack(tiny_model(), count, device="cpu", dtype=torch.float32)
    return stack, [stack.load(random_adapter(f"a{i}", rnd)) for i in range(count)]


def moves_made(stack: LoraStack, monkeypatch, methods=("_swap", "_copy")) -> list:
    """Every later write to the pool's rows: a swap of two rows or a copy into one (or every
    later call of other `methods`)."""
    moves = []

    def recorded(method: str):
        real = getattr(stack, method)

        def record(*args):
            moves.append((method, args))
            return real(*args)

        return record

    for method in methods:
        monkeypatch.setattr(stack, method, recorded(method))
    return moves


def test_rows_of_distinct_adapters_need_no_memory_beyond_the_adapters(monkeypatch):
    stack, (a, b, c) = loaded_stack(3)
    held = stack.held_bytes()
    stack.gather([c, a, b])
    stack.gather([b, c])
    assert stack.held_bytes() == held and held["extra_rows"] == 0
    # a second row with the same adapter costs one copy, kept for the next steps
    stack.gather([a, b, a])
    assert stack.held_bytes()["extra_rows"] == held["adapters"] // 3
    moves = moves_made(stack, monkeypatch)
    stack.gather([a, b, a])
    assert moves == []


def test_trim_leaves_one_row_per_resident_adapter_and_the_same_lora():
    stack, (a, b, c) = loaded_stack(3)
    held = stack.held_bytes()
    assert not stack.trim()  # nothing to drop
    stack.gather([a, 0, b, a, c, a])  # a row each: two more copies of a, a row of zeros
    assert stack.held_bytes()["extra_rows"] == held["adapters"]  # 3 rows as big as 3 adapters
    x = [torch.randn(3, 1, fan_in) for fan_in, _ in SHAPES]

    def outputs():
        gathered = stack.gather([c, b, a])
        outs = [[torch.zeros(3, 1, fan_out)] for _, fan_out in SHAPES]
        for index, out in enumerate(outs):
            LoraStack.apply((f"l{index}",), x[index], out, gathered)
        return torch.cat([out[0].flatten() for out in outs])

    before = outputs()
    assert stack.trim() and stack.held_bytes() == held
    after = outputs()
    assert before.abs().sum() > 0 and torch.equal(after, before)


def test_a_prefill_leaves_the_decoding_rows_where_they_are(monkeypatch):
    stack, (a, b, c, d) = loaded_stack(4)
    stack.gather([c, a])  # decoding rows 0 and 1
    stack.gather([a, d], 2)  # two prompts prefilled for rows 2 and 3
    moves = moves_made(stack, monkeypatch)
    stack.gather([c, a, a, d])  # they have joined: nothing moves
    assert moves == []


def test_decode_steps_by_adapter_move_nothing_while_the_adapters_stay(monkeypatch):
    stack, (a, b, c) = loaded_stack(3)
    held = stack.held_bytes()
    stack.gather([b, a])  # a pool row each: b in row 0, a in row 1
    stack.gather([c, c, c], 2)  # a prefill of one adapter, for rows 2..
    moves = moves_made(stack, monkeypatch)
    stack.gather([a, a, a, b, 0, b, b], one_token=True)  # 3 rows per adapter: each read once
    stack.gather([b, b, a, a, 0, b, a], one_token=True)  # rows left, joined, moved
    assert moves == [] and stack.held_bytes() == held  # and no copies: each adapter once
    stack.gather([c, a, c, c, a, a], one_token=True)  # c comes in where b was
    assert [method for method, _ in moves] == ["_swap"]


def test_a_pass_grouped_by_adapter_runs_in_bfloat16_as_on_a_gpu():
    rnd = random.Random(2)
    stack = LoraStack(tiny_model(), 2, device="cpu", dtype=torch.bfloat16, shared_inputs=SHARED)
    adapters = [random_adapter(f"a{i}", rnd) for i in range(2)]
    a, b = (stack.load(adapter) for adapter in adapters)
    slots = [a, b, a, 0, b, a, b]
    gathered = stack.gather(slots, one_token=True)
    assert gathered.by_adapter is not None  # 7 rows over 2 adapters: grouped
    adapter_of = dict(zip([a, b], adapters, strict=True)).get
    assert_lora_by_definition(
        gathered, slots, adapter_of, length=1, dtype=torch.bfloat16, rtol=0.05, atol=0.1
    )


def test_a_pool_grown_inside_a_forward_pass_still_takes_new_adapters():
    # BatchedForward runs under torch.inference_mode, so a pool that grows in `gather` is an
    # inference tensor; loading an adapter and trimming run outside it, on the engine thread.
    rnd = random.Random(3)
    stack = LoraStack(tiny_model(), 3, device="cpu", dtype=torch.float32)
    a, b = (stack.load(random_adapter(name, rnd)) for name in "ab")
    with torch.inference_mode():
        stack.gather([a, 0, b, a])  # grows the pool: a row of zeros, a copy of a
    c = stack.load(random_adapter("c", rnd))  # into a spare row of the grown pool
    assert stack.trim()
    with torch.inference_mode():
        stack.gather([c, b, 0, a, a])
    stack.load(random_adapter("d", rnd))  # evicts the least recently used: into its row
    assert len(stack.resident_names()) == 3
