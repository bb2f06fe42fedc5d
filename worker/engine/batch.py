"""One forward pass for many requests: a slot-based KV cache and per-row LoRA.

The base model's weights are read from the Hugging Face module tree (Mistral/Llama layout:
embed_tokens, layers[i].self_attn.{q,k,v,o}_proj, layers[i].mlp.{gate,up,down}_proj, norm,
lm_head) and run by `BatchedForward`, which, unlike `model.forward`, lets every row of the
batch sit at its own position, own its own cache slot and use its own adapter:

- `KVCache` (paged_cache.py) keeps every request's keys and values in blocks of one pool,
  allocated once to a memory budget; a pass writes its new positions where the rows' block
  tables say and reads each row's blocks back in order for attention (one gather a layer).
  Decoding rows occupy cache slots 0..n-1; a slot is a block table, so moving a row is free.
- `LoraStack` (lora.py) keeps every resident adapter's A and B in one flat row of a pool;
  batch row i reads pool row first_row + i (an adapter is moved there when the row's adapter
  changes, not at every step), and a step applies them with batched matmuls (the BGMV
  scheme of Punica and LoRAX): one x·Aᵀ for all the modules that read x (q, k and v; gate
  and up), then one ·Bᵀ per module, so there is no Python loop over adapters. A decode step
  with many rows per adapter reads each adapter once instead, its rows grouped by adapter
  (SGMV style; `ByAdapter` in lora.py).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .lora import LoraPass, LoraStack
from .model import sliding_window, torch_dtype
from .paged_cache import KVCache


@dataclass
class Rows:
    """Which rows a forward pass advances. Row i lives in cache slot first_slot + i (the
    engine keeps rows packed, so the rows' block tables are one slice of the cache's)."""

    first_slot: int
    # The absolute position of each row's first new token. A list: the host needs them (a
    # prefill's cache writes, the mask's width), and reading them back from a GPU would make
    # the host wait for it, once per row and layer of a prefill.
    positions: list[int]
    # LoraStack slot of each row (0: the base, no LoRA); a list, as LoraStack keeps its rows'
    # bookkeeping in Python and the slots never reach the device
    adapter_slots: list[int]
    first_row: int = 0  # the decoding row the first of these holds, or will hold once prefilled

    @property
    def slots(self) -> slice:
        return slice(self.first_slot, self.first_slot + len(self.positions))


@dataclass
class LayerPass:
    """What every layer of one forward pass shares (decode_graph.py makes one too)."""

    rows: Rows | None  # None: a fixed-shape decode step (decode_graph.py)
    cache: KVCache
    write_at: torch.Tensor  # (B * T,) where the new positions go in a layer's pool
    read_at: torch.Tensor  # (B * blocks,) the blocks each row attends over, in order
    cos: torch.Tensor
    sin: torch.Tensor
    mask: torch.Tensor
    lora: LoraPass | None
    # A decode step whose rows' lengths differ widely attends group by group (SpanGroups);
    # None: every row over the whole span, read_at and mask above
    span_groups: "SpanGroups | None" = None


@dataclass
class SpanGroup:
    """Rows of a decode step that attend over one span: their batch rows, blocks and mask."""

    rows: torch.Tensor  # (n,) batch rows, in the order the group's outputs are stacked
    read_at: torch.Tensor  # (n * blocks,) their blocks, in order
    mask: torch.Tensor  # (n, 1, 1, span)


@dataclass
class SpanGroups:
    """A decode step's rows split by length, each group attending only as far as its longest
    row: with one 450-token prompt among 150-token ones, every row otherwise reads and
    attends over 450 positions (measured at 32 rows, span 474, on the 2-core VM: attention
    and the blocks' gather took 93 of a step's 207 ms, the matmuls 92)."""

    groups: list[SpanGroup]
    order: torch.Tensor  # (B,) where each batch row's output lies in the groups' stacked ones


@dataclass(frozen=True)
class _LayerGroups:
    """A layer's linear layers by input, named as LoraStack knows them."""

    qkv: tuple[str, ...]
    o: tuple[str, ...]
    gate_up: tuple[str, ...]
    down: tuple[str, ...]

    @classmethod
    def of(cls, index: int) -> "_LayerGroups":
        layer = f"model.layers.{index}"
        attn, mlp = f"{layer}.self_attn", f"{layer}.mlp"
        return cls(
            qkv=(f"{attn}.q_proj", f"{attn}.k_proj", f"{attn}.v_proj"),
            o=(f"{attn}.o_proj",),
            gate_up=(f"{mlp}.gate_proj", f"{mlp}.up_proj"),
            down=(f"{mlp}.down_proj",),
        )


def shared_inputs(model) -> list[tuple[str, ...]]:
    """The linear layers that read one input: each layer's q, k and v, and its gate and up.
    `LoraStack` applies their LoRA A's in one matmul."""
    layers = [_LayerGroups.of(index) for index in range(len(model.model.layers))]
    return [group for layer in layers for group in (layer.qkv, layer.gate_up)]


def batched_forward(model, capacity: int, *, device: str, dtype: str) -> "BatchedForward":
    """The model's batched forward pass, with a LoraStack of `capacity` adapter slots laid
    out as the pass reads it (q, k and v, and gate and up, each one input group)."""
    stack = LoraStack(
        model,
        capacity,
        device=device,
        dtype=torch_dtype(dtype),
        shared_inputs=shared_inputs(model),
    )
    return BatchedForward(model, stack)


class BatchedForward:
    def __init__(self, model, lora: LoraStack):
        config = model.config
        self.model, self.lora = model, lora
        self.layers = model.model.layers
        self.num_heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.num_heads
        self.act = F.silu if config.hidden_act == "silu" else getattr(F, config.hidden_act)
        self.window = sliding_window(model)
        self.groups = [_LayerGroups.of(index) for index in range(len(self.layers))]
        if any(lora.group_of(name) != group for group in self._all_groups() for name in group):
            # else the stack keys q, k and v apart, `apply` finds no group, adds no LoRA
            raise ValueError("The LoraStack must be made with shared_inputs=shared_inputs(model).")

    def _all_groups(self):
        for layer in self.groups:
            yield from (layer.qkv, layer.o, layer.gate_up, layer.down)

    def new_cache(self, slots: int, max_len: int, budget_bytes: int) -> KVCache:
        """A paged KV cache for `slots` requests of up to `max_len` positions, within
        `budget_bytes` (and never more than the slots could use at max_len)."""
        weight = self.model.lm_head.weight
        return KVCache(
            len(self.layers),
            slots,
            self.kv_heads,
            self.head_dim,
            max_len,
            budget_bytes=budget_bytes,
            device=weight.device,
            dtype=weight.dtype,
        )

    @torch.inference_mode()
    def __call__(
        self, tokens: torch.Tensor, rows: Rows, cache: KVCache, last: torch.Tensor | None = None
    ) -> torch.Tensor:
        """tokens (B, T) -> logits (B, vocab) at each row's `last` index (default: the
        last column); fills the cache. Right padding is harmless: padded positions are
        written to block 0 and may lie past a row's table (a short row with a long cached
        prefix beside a long one), so keys are read only as far as a table reaches."""
        device, length = tokens.device, tokens.shape[1]
        starts = torch.tensor(rows.positions, device=device)
        positions = starts[:, None] + torch.arange(length, device=device)
        hidden = self.model.model.embed_tokens(tokens)
        cos, sin = self.model.model.rotary_emb(hidden, positions)
        cos, sin = cos[:, None], sin[:, None]  # (B, 1, T, head_dim): one view for every head
        lora = self.lora.gather(rows.adapter_slots, rows.first_row, one_token=length == 1)
        # real positions all lie within a table; padded ones may not
        span = min(max(rows.positions) + length, cache.positions_per_slot)
        mask = causal_mask(positions, span=span, window=self.window)
        tables = cache.tables[rows.slots]
        padded = None if last is None else torch.arange(length, device=device) > last[:, None]
        write_at = cache.flat_positions(tables, positions, padded)
        read_at = tables[:, : cache.blocks_for(span)].flatten()
        groups = span_groups(rows.positions, tables, cache, self.window) if length == 1 else None
        hidden = self.layers_forward(
            hidden, LayerPass(rows, cache, write_at, read_at, cos, sin, mask, lora, groups)
        )
        if last is None:
            picked = hidden[:, -1]
        else:
            picked = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return self.model.lm_head(rms_norm(self.model.model.norm, picked))

    def layers_forward(self, hidden: torch.Tensor, step: LayerPass) -> torch.Tensor:
        """Every decoder layer over `hidden` (B, T, hidden_size), keys and values kept."""
        for index, layer in enumerate(self.layers):
            groups = self.groups[index]
            normed = rms_norm(layer.input_layernorm, hidden)
            hidden = hidden + self._attention(layer.self_attn, groups, index, normed, step)
            normed = rms_norm(layer.post_attention_layernorm, hidden)
            hidden = hidden + self._mlp(layer.mlp, groups, normed, step.lora)
        return hidden

    def _project(self, modules: tuple, group: tuple[str, ...], x: torch.Tensor, lora) -> list:
        """Each module's output for x, with each row's LoRA added."""
        outs = [module(x) for module in modules]
        self.lora.apply(group, x, outs, lora)
        return outs

    def _attention(
        self, attn, groups: _LayerGroups, index: int, x: torch.Tensor, step: "LayerPass"
    ):
        batch, length, _ = x.shape
        q, k, v = self._project((attn.q_proj, attn.k_proj, attn.v_proj), groups.qkv, x, step.lora)
        # RoPE turns q's and k's heads alike: once for both (6 ops a layer fewer; on a GPU a
        # small batch's decode step costs about its kernel launches)
        qk = torch.cat((q, k), dim=-1).view(batch, length, -1, self.head_dim).transpose(1, 2)
        qk = apply_rotary(qk, step.cos, step.sin)
        q, k = qk[:, : self.num_heads], qk[:, self.num_heads :]
        v = v.view(batch, length, self.kv_heads, self.head_dim).transpose(1, 2)
        write(step, index, k, v)
        if step.span_groups is None:
            keys, values = read(step.cache, index, step.read_at, batch, step.mask.shape[-1])
            out = attend(q, keys, values, step.mask)
        else:
            outs = []
            for group in step.span_groups.groups:
                rows, span = len(group.rows), group.mask.shape[-1]
                keys, values = read(step.cache, index, group.read_at, rows, span)
                outs.append(attend(q.index_select(0, group.rows), keys, values, group.mask))
            out = torch.cat(outs).index_select(0, step.span_groups.order)
        out = out.transpose(1, 2).reshape(batch, length, self.num_heads * self.head_dim)
        return self._project((attn.o_proj,), groups.o, out, step.lora)[0]

    def _mlp(self, mlp, groups: _LayerGroups, x: torch.Tensor, lora) -> torch.Tensor:
        gate, up = self._project((mlp.gate_proj, mlp.up_proj), groups.gate_up, x, lora)
        return self._project((mlp.down_proj,), groups.down, self.act(gate) * up, lora)[0]


def rms_norm(norm: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What Hugging Face's Mistral/Llama RMSNorm module computes (normalized in float32, then
    scaled in x's dtype: `F.rms_norm` upcasts and casts back itself) in two ops instead of
    eight: on a GPU `F.rms_norm` is one fused kernel, and a small batch's decode step there
    costs about its kernel launches. The same bits on the CPU (tested); a GPU's fused kernel
    may add the squares up in another order."""
    return norm.weight * F.rms_norm(x, norm.weight.shape, eps=norm.variance_epsilon)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """RoPE as Hugging Face's Llama/Mistral apply it (rotate_half convention); x is
    (B, heads, T, head_dim), cos and sin (B, 1, T, head_dim)."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


def attend(q, keys, values, mask) -> torch.Tensor:
    """Scaled dot-product attention; on the CPU in float32 whatever the model's dtype, as
    PyTorch's CPU attention kernel is slow in bf16 (measured at 32 rows, SmolLM2 on the
    2-core VM: 1.9 ms a layer in bf16, 46 % of a decode step whose matmuls took 34 %)."""
    if q.device.type == "cpu" and q.dtype != torch.float32:
        out = F.scaled_dot_product_attention(
            q.float(), keys.float(), values.float(), mask, enable_gqa=True
        )
        return out.to(q.dtype)
    return F.scaled_dot_product_attention(q, keys, values, mask, enable_gqa=True)


def write(step: LayerPass, index: int, k, v) -> None:
    """Write layer `index`'s new keys and values (B, kv_heads, T, head_dim) where the rows'
    block tables put them."""
    batch, heads, length, head_dim = k.shape
    for pool, new in ((step.cache.keys[index], k), (step.cache.values[index], v)):
        flat = new.transpose(1, 2).reshape(batch * length, heads, head_dim)
        pool.flatten(0, 1).index_copy_(0, step.write_at, flat)


def read(cache: KVCache, index: int, read_at: torch.Tensor, rows: int, span: int):
    """Layer `index`'s keys and values of `rows` rows, gathered from the blocks `read_at`
    lists (each row's, in order), as far as `span`: two (rows, kv_heads, span, head_dim)."""
    gathered = []
    for pool in (cache.keys[index], cache.values[index]):
        blocks = pool.index_select(0, read_at)
        gathered.append(blocks.view(rows, -1, *pool.shape[2:])[:, :span].transpose(1, 2))
    return gathered


# A decode step is split into span groups only when that saves this share of the positions
# its rows read and attend over: each group costs a few more ops a layer (on a GPU, kernel
# launches), which a small saving does not repay.
SPAN_GROUP_SAVING = 0.3


def span_groups(
    positions: list[int], tables: torch.Tensor, cache: KVCache, window: int | None
) -> SpanGroups | None:
    """A decode step's rows in up to three groups of similar length (SpanGroups), or None
    when one group is as good. Rows are sorted by position and cut where the positions read
    (rows x span, in whole blocks) fall most: the best cut, then the best cut of the shorter
    part."""
    if len(positions) < 2:
        return None
    order = sorted(range(len(positions)), key=positions.__getitem__)
    blocks = [cache.blocks_for(positions[row] + 1) for row in order]  # ascending

    def best_cut(end: int) -> tuple[int, int]:
        """(cut, cost) for rows order[:end] in two groups [:cut] and [cut:end]; cut 0: one."""
        best = (0, end * blocks[end - 1])
        for cut in range(1, end):
            cost = cut * blocks[cut - 1] + (end - cut) * blocks[end - 1]
            if cost < best[1]:
                best = (cut, cost)
        return best

    whole = len(order) * blocks[-1]
    cut, cost = best_cut(len(order))
    if cut == 0 or cost > (1 - SPAN_GROUP_SAVING) * whole:
        return None
    cuts = [cut, len(order)]
    inner, inner_cost = best_cut(cut)
    if inner and inner_cost < (1 - SPAN_GROUP_SAVING) * cut * blocks[cut - 1]:
        cuts.insert(0, inner)
    device = tables.device
    groups, start = [], 0
    for end in cuts:
        rows = order[start:end]
        span = min(positions[rows[-1]] + 1, cache.positions_per_slot)
        mine = torch.tensor(rows, device=device)
        read_at = tables[mine, : cache.blocks_for(span)].flatten()
        at = torch.tensor([[positions[row]] for row in rows], device=device)
        groups.append(SpanGroup(mine, read_at, causal_mask(at, span=span, window=window)))
        start = end
    stacked = [None] * len(order)
    for place, row in enumerate(order):
        stacked[row] = place
    return SpanGroups(groups, torch.tensor(stacked, device=device))


def causal_mask(positions: torch.Tensor, span: int, window: int | None = None) -> torch.Tensor:
    """(B, 1, T, span) True where a query may attend: keys at or before its position, and,
    with a sliding `window`, fewer than `window` positions before it (as transformers masks
    Mistral: key > query - window). `span`: the last position + 1 (from the host, so the
    device is not asked for it)."""
    keys = torch.arange(span, device=positions.device)[None, None, :]
    queries = positions[:, :, None]
    allowed = keys <= queries
    if window is not None:
        allowed &= keys > queries - window
    return allowed[:, None]
