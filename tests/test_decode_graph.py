"""The fixed-shape decode step (worker/engine/decode_graph.py), proved on the CPU: the same
tokens as the eager engine, one graph per bucket under torch.compile(fullgraph=True) with no
recompile as positions and rows change, and one read back from the device per step."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from worker.engine import GenerationRequest, SamplingParams
from worker.engine.decode_graph import (
    DecodeGraph,
    RowInput,
    batch_buckets,
    bucket_of,
    pick_tokens,
    span_bucket,
)
from worker.engine.events import DoneEvent
from worker.engine.lora import load_lora_adapter

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = (None, "e2e_nlg", "gsm8k", "webnlg", "glue_sst2")


def requests(count=10, **params):
    return [
        GenerationRequest(
            prompt=f"Question {i}: what is {i} plus {3 * i}? Answer:",
            adapter=ADAPTERS[i % len(ADAPTERS)],
            params=SamplingParams(max_new_tokens=12 + i % 5, ignore_eos=True, **params),
        )
        for i in range(count)
    ]


def answers(engine, batch) -> list[tuple]:
    handles = [engine.submit(request) for request in batch]
    done = [list(handle.events())[-1] for handle in handles]
    assert all(isinstance(event, DoneEvent) for event in done), done
    return [event.token_ids for event in done]


def test_the_buckets_pad_rows_and_spans_up_to_fixed_sizes():
    assert batch_buckets(100) == (1, 2, 4, 8, 16, 32, 64, 100)
    assert batch_buckets(32) == (1, 2, 4, 8, 16, 32)
    assert [bucket_of(n, batch_buckets(100)) for n in (1, 3, 33, 65, 100)] == [1, 4, 64, 100, 100]
    assert span_bucket(17, 16, 4096) == 256  # at least SPAN_MIN
    assert span_bucket(300, 16, 4096) == 512
    assert span_bucket(5000, 16, 4096) == 4096  # never past a slot's table


def test_static_steps_give_the_eager_engine_s_greedy_tokens_over_mixed_adapters(new_engine):
    batch = requests()
    eager = answers(new_engine(max_batch=8), batch)
    static = answers(new_engine(max_batch=8, decode_graph="static"), batch)
    assert static == eager
    assert len({tokens for tokens in eager}) > 1  # the adapters answer differently


def test_sampled_rows_are_drawn_on_the_device_and_repeat_with_their_seed(new_engine):
    engine = new_engine(max_batch=8, decode_graph="static")
    batch = requests(6, temperature=0.9, top_p=0.9, top_k=40, seed=7)
    first, again = answers(engine, batch), answers(engine, batch)
    assert first == again
    greedy = answers(engine, requests(6))
    assert first != greedy


def test_picking_on_the_device_keeps_to_top_k_and_greedy_rows():
    logits = torch.tensor([[0.0, 5.0, 4.0, 1.0], [3.0, 0.0, 0.0, 2.0]])
    for seed in range(20):
        noise = torch.rand(2, 4, generator=torch.Generator().manual_seed(seed))
        picked = pick_tokens(
            logits, torch.tensor([0.0, 1.0]), torch.ones(2), torch.tensor([0, 2]), noise
        )
        assert picked[0] == 1  # greedy
        assert picked[1] in (0, 3)  # the two best only


@pytest.fixture
def graph_engine(new_engine):
    """An engine whose decode steps run through DecodeGraph, compiled by dynamo with a
    backend that counts the graphs it is given and runs them eagerly (what this test proves
    is dynamo's capture: no graph break, no recompile; inductor's code generation would take
    minutes on two cores)."""
    engine = new_engine(max_batch=4)
    graphs = []

    def counting_backend(graph_module, example_inputs):
        graphs.append(graph_module)
        return graph_module.forward

    engine.graph = DecodeGraph(
        engine.forward, engine.cache, 4, "compile", compile_backend=counting_backend
    )
    return engine, graphs


def test_the_compiled_step_is_one_graph_per_bucket_and_gives_the_eager_tokens(
    graph_engine, new_engine
):
    engine, graphs = graph_engine
    # four rows at once, then fewer as they end, at a new position every step
    batch = requests(4)
    compiled = answers(engine, batch)
    assert compiled == answers(new_engine(max_batch=4), batch)
    # A graph per batch bucket (4, 2, 1), and one more for steps taken before the adapters
    # were loaded: the LoRA pool's layout is part of a graph.
    made = len(graphs)
    assert len(batch_buckets(4)) <= made <= 2 * len(batch_buckets(4))
    answers(engine, requests(8)[4:])
    answers(engine, batch)  # other prompts, positions and adapters: no graph more
    assert len(graphs) == made


def test_a_compiled_step_reads_the_device_once(graph_engine, demo_config, monkeypatch):
    engine, _ = graph_engine  # idle: its thread waits for requests
    graph = engine.graph
    lora = engine.forward.lora
    adapters = [load_lora_adapter(name, demo_config.adapter_dir / name) for name in ADAPTERS[1:3]]
    slots = [0] + [lora.load(adapter) for adapter in adapters]
    generator = torch.Generator().manual_seed(1)
    rows = [
        RowInput(token=5 + i, position=10 + i, adapter_slot=slots[i % 3], generator=generator)
        for i in range(3)
    ]
    rows[2].temperature = 0.8  # a sampled row as well
    for slot in range(3):
        engine.cache.grow(slot, 16)
    graph.step(rows)  # compiled here
    reads = count_device_reads(monkeypatch)
    graph.step(rows)
    assert reads == ["tolist"]
    assert lora.resident_names()  # the step read the adapters' pool rows


def count_device_reads(monkeypatch) -> list[str]:
    """Record each call of a Tensor method that copies device memory to the host."""
    calls = []
    for name in ("item", "tolist", "cpu", "numpy", "__bool__", "__int__", "__float__",
                 "__index__"):  # fmt: skip
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return calls


def test_the_eager_path_reads_once_per_sampled_row_where_the_graph_reads_once(
    new_engine, monkeypatch
):
    """The counter above sees host reads: the eager engine's step, with two sampled rows,
    reads three times (the greedy ids, then one draw per sampled row)."""
    engine = new_engine(max_batch=4)
    batch = requests(3, temperature=0.8, seed=3)
    batch[0] = requests(1)[0]
    logits = torch.randn(3, engine.forward.model.lm_head.weight.shape[0])

    class Row:  # what _accept_token reads of a request
        def __init__(self, request):
            self.handle = type("H", (), {"request": request})()
            self.generator = torch.Generator().manual_seed(0)

    reads = count_device_reads(monkeypatch)
    greedy = logits.argmax(dim=-1).tolist()
    picked = []
    monkeypatch.setattr(type(engine), "_take", lambda self, state, token: picked.append(token))
    for i, request in enumerate(batch):
        engine._accept_token(Row(request), logits, i, greedy[i])
    assert reads == ["tolist", "__int__", "__int__"] and len(picked) == 3


def test_decode_steps_measures_the_eager_paths_when_the_graphs_fail(demo_config):
    """scripts/decode_steps.py --graph: CUDA graphs asked for on the CPU fail, and the eager
    paths are measured all the same, the error said (a GPU's first run keeps its figures)."""
    done = subprocess.run(
        [sys.executable, "scripts/decode_steps.py", str(demo_config.base_dir),
         str(demo_config.adapter_dir), "--rows", "2", "--rounds", "1", "--steps", "1",
         "--graph", "cuda", "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert "CUDA device" in report["graph_error"]
    assert {s["path"] for s in report["steps"]} == {"base", "1 adapter", "uniform", "skewed"}
