"""The decode step as one function of fixed-shape tensors, for torch.compile and CUDA graphs.

`BatchedForward` builds each step from the host's lists (positions, adapter slots, a mask as
wide as the longest row) and launches every op from Python. Here a step is padded to a
*bucket*: rows up to the next batch size of BATCH_BUCKETS (capped at the engine's batch), and
attention over a span of positions rounded up to a power of two (at least SPAN_MIN). Within a
bucket every tensor has the same shape and address from step to step, so the step can be
compiled once (`torch.compile(fullgraph=True)`) or captured once per bucket as a CUDA graph and
replayed, as vLLM does. What changes between steps is written into static buffers in place:
tokens, positions, block tables, each row's adapter row and sampling settings.

Everything a row needs happens inside the step: its keys and values go where its block table
says, its adapter's A and B are gathered from the LoRA pool by row (BGMV: each row reads its
own adapter, in one batched matmul per input group), and its next token is picked there too,
greedy or sampled (Gumbel-max over the temperature-scaled, top-k and top-p cut distribution,
with noise drawn from the row's own seeded generator before the step). The host reads back one
thing per step: the token ids.

Modes (EngineConfig.decode_graph): "off" (BatchedForward, the default), "static" (this step,
run eagerly: the reference the others must equal), "compile" (torch.compile, fullgraph, one
graph per bucket), "cuda" (CUDA graphs per bucket; a GPU only). Off by default until a GPU
run measures it (docs/engine.md).
"""

import math
from dataclasses import dataclass

import torch

from .batch import BatchedForward, LayerPass, causal_mask, rms_norm
from .lora import LoraPass
from .paged_cache import KVCache

MODES = ("off", "static", "compile", "cuda")
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SPAN_MIN = 256
# One graph per (batch bucket, span bucket, LoRA pool layout): more than torch.compile keeps
# by default (8) before it falls back to running the function uncompiled.
RECOMPILE_LIMIT = 128


def batch_buckets(max_batch: int) -> tuple[int, ...]:
    """The batch sizes a step is padded to: powers of two below `max_batch`, then it."""
    return (*(b for b in BATCH_BUCKETS if b < max_batch), max_batch)


def bucket_of(value: int, buckets: tuple[int, ...]) -> int:
    return next(b for b in buckets if b >= value)


def span_bucket(span: int, block_size: int, limit: int) -> int:
    """Positions a step attends over: `span` rounded up to a power of two (and whole blocks),
    at least SPAN_MIN, at most `limit` (a slot's table)."""
    rounded = max(SPAN_MIN, 1 << math.ceil(math.log2(max(span, 1))))
    return min(math.ceil(rounded / block_size) * block_size, limit)


@dataclass
class StepBuffers:
    """One bucket's inputs, written in place before each step (a CUDA graph reads them at the
    addresses it was captured with)."""

    tokens: torch.Tensor  # (B,) long
    positions: torch.Tensor  # (B,) long: where each row's token goes
    tables: torch.Tensor  # (B, blocks) long: each row's block table (padding: block 0)
    lora_rows: torch.Tensor  # (B,) long: the LoRA pool row each row reads
    lora_on: torch.Tensor  # (B, 1): 1 for a row with an adapter, else 0
    temperature: torch.Tensor  # (B,) float32: 0 is greedy
    top_p: torch.Tensor  # (B,) float32
    top_k: torch.Tensor  # (B,) long: 0 is no cut
    noise: torch.Tensor  # (B, vocab) float32 in (0, 1): a sampled row's draws

    @classmethod
    def new(cls, rows: int, blocks: int, vocab: int, *, device, dtype) -> "StepBuffers":
        def longs(*shape):
            return torch.zeros(shape, dtype=torch.long, device=device)

        return cls(
            tokens=longs(rows),
            positions=longs(rows),
            tables=longs(rows, blocks),
            lora_rows=longs(rows),
            lora_on=torch.zeros(rows, 1, dtype=dtype, device=device),
            temperature=torch.zeros(rows, device=device),
            top_p=torch.ones(rows, device=device),
            top_k=longs(rows),
            noise=torch.full((rows, vocab), 0.5, device=device),
        )


@dataclass
class RowInput:
    """What the engine hands the step for one decoding row."""

    token: int
    position: int
    adapter_slot: int  # LoraStack slot; 0: the base model
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    generator: torch.Generator | None = None  # a sampled row's seeded generator


class DecodeGraph:
    """The engine's decode steps through fixed-shape, per-bucket steps (see the module)."""

    def __init__(
        self, forward: BatchedForward, cache: KVCache, max_batch: int, mode: str,
        compile_backend="inductor",
    ):  # fmt: skip
        if mode not in MODES or mode == "off":
            raise ValueError(f"decode_graph must be one of {', '.join(MODES[1:])}, not {mode!r}")
        self.forward, self.cache, self.mode = forward, cache, mode
        model = forward.model
        weight = model.lm_head.weight
        self.device, self.dtype = weight.device, weight.dtype
        if mode == "cuda" and self.device.type != "cuda":
            raise ValueError("decode_graph='cuda' needs the model on a CUDA device")
        self.vocab = weight.shape[0]
        self.buckets = batch_buckets(max_batch)
        # cos and sin of every position once: a step reads its rows' by index
        positions = torch.arange(cache.positions_per_slot, device=self.device)[None]
        probe = torch.zeros(1, 1, dtype=self.dtype, device=self.device)
        cos, sin = model.model.rotary_emb(probe, positions)
        self.cos, self.sin = cos[0], sin[0]  # (positions, head_dim)
        self._buffers: dict[tuple[int, int], StepBuffers] = {}
        self._graphs: dict[tuple, tuple] = {}  # cuda: key -> (graph, output)
        self.step_fn = self._step
        if mode == "compile":
            from torch import _dynamo

            _dynamo.config.recompile_limit = RECOMPILE_LIMIT
            # fullgraph: a graph break is an error, not a silent fall back to Python
            self.step_fn = torch.compile(
                self._step, fullgraph=True, dynamic=False, backend=compile_backend
            )

    # --- the host's side ---------------------------------------------------------------
    @torch.inference_mode()
    def step(self, rows: list[RowInput]) -> list[int]:
        """Advance rows 0..n-1 (in cache slots 0..n-1) by one token; their next tokens."""
        n = len(rows)
        batch = bucket_of(n, self.buckets)
        longest = max(row.position for row in rows) + 1
        span = span_bucket(longest, self.cache.block_size, self.cache.positions_per_slot)
        buffers = self._buffers_for(batch, span)
        self._fill(buffers, rows, span)
        # A step of base rows only reads no adapter: a graph of its own, without LoRA's ops
        lora = any(row.adapter_slot for row in rows)
        pool = self.forward.lora._pool
        # Greedy rows only: a graph that takes the argmax, without sorting the vocabulary
        sampled = any(row.temperature > 0 for row in rows)
        if self.mode == "cuda":
            ids = self._replay(buffers, batch, span, lora, pool, sampled)
        else:
            ids = self.step_fn(pool, lora, span, sampled, *self._arguments(buffers))
        return ids.tolist()[:n]  # the step's one read back from the device

    def _buffers_for(self, batch: int, span: int) -> StepBuffers:
        key = (batch, span)
        if key not in self._buffers:
            blocks = span // self.cache.block_size
            self._buffers[key] = StepBuffers.new(
                batch, blocks, self.vocab, device=self.device, dtype=self.dtype
            )
        return self._buffers[key]

    def _fill(self, buffers: StepBuffers, rows: list[RowInput], span: int) -> None:
        n, stack = len(rows), self.forward.lora
        holds = stack._holds
        pool_row = {slot: holds.index(slot) for slot in {r.adapter_slot for r in rows} if slot}
        ints = torch.tensor(
            [
                [r.token for r in rows],
                [r.position for r in rows],
                [pool_row.get(r.adapter_slot, 0) for r in rows],
                [r.top_k for r in rows],
            ],
            dtype=torch.long,
        ).to(self.device, non_blocking=True)
        floats = torch.tensor(
            [
                [float(r.adapter_slot != 0) for r in rows],
                [r.temperature for r in rows],
                [r.top_p for r in rows],
            ]
        ).to(self.device, non_blocking=True)
        # Padded rows: token 0 at position 0, block 0 only, no adapter, greedy.
        for buffer, values in zip(
            (buffers.tokens, buffers.positions, buffers.lora_rows, buffers.top_k), ints, strict=True
        ):
            buffer.zero_()
            buffer[:n] = values
        buffers.lora_on.zero_()
        buffers.lora_on[:n, 0] = floats[0]
        buffers.temperature.zero_()
        buffers.temperature[:n] = floats[1]
        buffers.top_p.fill_(1.0)
        buffers.top_p[:n] = floats[2]
        buffers.tables.zero_()
        buffers.tables[:n] = self.cache.tables[:n, : span // self.cache.block_size]
        for i, row in enumerate(rows):
            if row.temperature > 0:
                torch.rand(self.vocab, generator=row.generator, out=buffers.noise[i])

    @staticmethod
    def _arguments(b: StepBuffers) -> tuple:
        return (
            b.tokens, b.positions, b.tables, b.lora_rows, b.lora_on,
            b.temperature, b.top_p, b.top_k, b.noise,
        )  # fmt: skip

    def _replay(self, buffers: StepBuffers, batch, span, lora, pool, sampled) -> torch.Tensor:
        """CUDA: capture the step for this bucket once (again when the LoRA pool is laid out
        anew: a graph reads the addresses, and the pool's layout, it was captured with), then
        replay it."""
        stack = self.forward.lora
        layout = (id(stack._blocks), stack.rank, pool.data_ptr(), tuple(pool.shape))
        key = (batch, span, lora, sampled, layout)
        if key not in self._graphs:
            self._graphs = {k: v for k, v in self._graphs.items() if k[4] == layout}
            arguments = self._arguments(buffers)
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):  # warm up off the capture (allocator, kernels)
                for _ in range(2):
                    self._step(pool, lora, span, sampled, *arguments)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                output = self._step(pool, lora, span, sampled, *arguments)
            self._graphs[key] = (graph, output)
        graph, output = self._graphs[key]
        graph.replay()
        return output

    # --- the device's side: fixed shapes, no host reads -----------------------------------
    def _step(
        self, pool, lora: bool, span: int, sampled: bool,
        tokens, positions, tables, lora_rows, lora_on, temperature, top_p, top_k, noise,
    ) -> torch.Tensor:  # fmt: skip
        """BatchedForward's layers, on inputs laid out for a fixed shape."""
        f, cache = self.forward, self.cache
        size = cache.block_size
        hidden = f.model.model.embed_tokens(tokens[:, None])  # (B, 1, hidden)
        cos = self.cos[positions][:, None, None]  # (B, 1, 1, head_dim)
        sin = self.sin[positions][:, None, None]
        mask = causal_mask(positions[:, None], span=span, window=f.window)
        write_at = tables.gather(1, (positions // size)[:, None])[:, 0] * size + positions % size
        read_at = tables.flatten()  # each row's blocks, in order
        views = None
        if lora:
            # BGMV: each row's adapter gathered from the pool (a row without one reads zeros),
            # then the stack's own views and batched matmuls (LoraStack.apply)
            weights = pool.index_select(0, lora_rows) * lora_on
            views = LoraPass(f.lora._group_views(weights))
        step = LayerPass(None, cache, write_at, read_at, cos, sin, mask, views)
        hidden = f.layers_forward(hidden, step)
        logits = f.model.lm_head(rms_norm(f.model.model.norm, hidden[:, -1]))
        if not sampled:
            return logits.argmax(dim=-1)
        return pick_tokens(logits.float(), temperature, top_p, top_k, noise)


def pick_tokens(logits, temperature, top_p, top_k, noise) -> torch.Tensor:
    """Each row's next token from (B, vocab) float32 logits: the argmax where temperature is
    0, else a draw (Gumbel-max with the row's uniform noise) from the distribution
    sample_next_token draws from: temperature-scaled, cut to the top k, then to the smallest
    set of most likely tokens whose mass reaches top_p."""
    greedy = logits.argmax(dim=-1)
    scaled = logits / temperature.clamp_min(1e-6)[:, None]
    ordered, order = scaled.sort(dim=-1, descending=True)
    ranks = torch.arange(logits.shape[-1], device=logits.device)[None]
    kept = (top_k[:, None] <= 0) | (ranks < top_k[:, None])
    ordered = ordered.masked_fill(~kept, float("-inf"))
    probs = torch.softmax(ordered, dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    kept &= mass_before < top_p[:, None]
    gumbel = -torch.log(-torch.log(noise.clamp(1e-10, 1 - 1e-7)))
    choice = (ordered + gumbel).masked_fill(~kept, float("-inf")).argmax(dim=-1, keepdim=True)
    sampled = order.gather(1, choice)[:, 0]
    return torch.where(temperature > 0, sampled, greedy)
