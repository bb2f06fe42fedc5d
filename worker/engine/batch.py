"""One forward pass for many requests: a slot-based KV cache and per-row LoRA.

The base model's weights are read from the Hugging Face module tree (Mistral/Llama layout:
embed_tokens, layers[i].self_attn.{q,k,v,o}_proj, layers[i].mlp.{gate,up,down}_proj, norm,
lm_head) and run by `BatchedForward`, which, unlike `model.forward`, lets every row of the
batch sit at its own position, own its own cache slot and use its own adapter:

- `KVCache` holds one slot per decoding request in one tensor per layer, shape
  (slots, kv_heads, capacity, head_dim). Decoding rows always occupy slots 0..n-1, so a
  decode step attends over a view of the first n slots: no per-step gather of the caches.
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


@dataclass
class Rows:
    """Which rows a forward pass advances. Row i lives in cache slot first_slot + i: the
    engine keeps rows packed, so the rows' caches are a view, never a gather."""

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
class _Pass:
    """What every layer of one forward pass shares."""

    rows: Rows
    starts: torch.Tensor  # (B,) rows.positions on the device
    every_row: torch.Tensor | None  # (B,) 0..B-1 for a decode's indexed cache writes
    cache: "KVCache"
    cos: torch.Tensor
    sin: torch.Tensor
    mask: torch.Tensor
    lora: LoraPass | None


class KVCache:
    """Keys and values of every layer for `slots` requests; grows its length on demand."""

    def __init__(self, num_layers, slots, kv_heads, head_dim, max_len, *, device, dtype):
        self.max_len = max_len
        self._shape = (slots, kv_heads, head_dim)
        self._device, self._dtype = device, dtype
        self.capacity = min(256, max_len)
        self.keys = [self._empty(self.capacity) for _ in range(num_layers)]
        self.values = [self._empty(self.capacity) for _ in range(num_layers)]

    def _empty(self, length: int) -> torch.Tensor:
        slots, kv_heads, head_dim = self._shape
        return torch.zeros(
            slots, kv_heads, length, head_dim, device=self._device, dtype=self._dtype
        )

    def reserve(self, length: int) -> None:
        """Make room for `length` positions in every slot (doubling, so it happens rarely)."""
        if length <= self.capacity:
            return
        new_capacity = min(self.max_len, max(length, 2 * self.capacity))
        for cache in (self.keys, self.values):
            for layer, old in enumerate(cache):
                grown = self._empty(new_capacity)
                grown[:, :, : self.capacity] = old
                cache[layer] = grown
        self.capacity = new_capacity

    def read(self, slot: int, start: int, end: int) -> torch.Tensor:
        """A copy of one slot's keys and values at positions start..end-1, every layer's:
        (2 x layers, kv_heads, end - start, head_dim), keys first (see PrefixCache)."""
        return torch.stack([layer[slot, :, start:end] for layer in (*self.keys, *self.values)])

    def write(self, slot: int, kv: torch.Tensor) -> None:
        """Put what `read` gave into one slot's first positions."""
        self.reserve(kv.shape[2])
        for layer, part in zip((*self.keys, *self.values), kv, strict=True):
            layer[slot, :, : kv.shape[2]] = part

    def move(self, source: int, target: int, length: int) -> None:
        """Copy one slot's first `length` positions to another slot (to keep rows packed)."""
        for cache in (self.keys, self.values):
            for layer in cache:
                layer[target, :, :length] = layer[source, :, :length]


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

    def new_cache(self, slots: int, max_len: int) -> KVCache:
        weight = self.model.lm_head.weight
        return KVCache(
            len(self.layers),
            slots,
            self.kv_heads,
            self.head_dim,
            max_len,
            device=weight.device,
            dtype=weight.dtype,
        )

    @torch.inference_mode()
    def __call__(
        self, tokens: torch.Tensor, rows: Rows, cache: KVCache, last: torch.Tensor | None = None
    ) -> torch.Tensor:
        """tokens (B, T) -> logits (B, vocab) at each row's `last` index (default: the
        last column); fills the cache. Right padding is harmless: padded positions lie
        beyond the row's length, where nothing attends and the next tokens overwrite."""
        device, (batch, length) = tokens.device, tokens.shape
        starts = torch.tensor(rows.positions, device=device)
        positions = starts[:, None] + torch.arange(length, device=device)
        hidden = self.model.model.embed_tokens(tokens)
        cos, sin = self.model.model.rotary_emb(hidden, positions)
        cos, sin = cos[:, None], sin[:, None]  # (B, 1, T, head_dim): one view for every head
        lora = self.lora.gather(rows.adapter_slots, rows.first_row, one_token=length == 1)
        mask = causal_mask(positions, span=max(rows.positions) + length, window=self.window)
        every_row = torch.arange(batch, device=device) if length == 1 else None
        step = _Pass(rows, starts, every_row, cache, cos, sin, mask, lora)
        for index, layer in enumerate(self.layers):
            groups = self.groups[index]
            normed = rms_norm(layer.input_layernorm, hidden)
            hidden = hidden + self._attention(layer.self_attn, groups, index, normed, step)
            normed = rms_norm(layer.post_attention_layernorm, hidden)
            hidden = hidden + self._mlp(layer.mlp, groups, normed, step.lora)
        if last is None:
            picked = hidden[:, -1]
        else:
            picked = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return self.model.lm_head(rms_norm(self.model.model.norm, picked))

    def _project(self, modules: tuple, group: tuple[str, ...], x: torch.Tensor, lora) -> list:
        """Each module's output for x, with each row's LoRA added."""
        outs = [module(x) for module in modules]
        self.lora.apply(group, x, outs, lora)
        return outs

    def _attention(self, attn, groups: _LayerGroups, index: int, x: torch.Tensor, step: "_Pass"):
        batch, length, _ = x.shape
        q, k, v = self._project((attn.q_proj, attn.k_proj, attn.v_proj), groups.qkv, x, step.lora)
        # RoPE turns q's and k's heads alike: once for both (6 ops a layer fewer; on a GPU a
        # small batch's decode step costs about its kernel launches)
        qk = torch.cat((q, k), dim=-1).view(batch, length, -1, self.head_dim).transpose(1, 2)
        qk = apply_rotary(qk, step.cos, step.sin)
        q, k = qk[:, : self.num_heads], qk[:, self.num_heads :]
        v = v.view(batch, length, self.kv_heads, self.head_dim).transpose(1, 2)
        keys, values = store(step, index, k, v)
        out = F.scaled_dot_product_attention(q, keys, values, attn_mask=step.mask, enable_gqa=True)
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


def store(step: _Pass, index: int, k, v):
    """Write layer `index`'s new keys and values into the rows' slots; return views of the
    slots' caches, as far as the pass attends."""
    slots = step.rows.slots
    keys, values = step.cache.keys[index][slots], step.cache.values[index][slots]
    length = k.shape[2]
    if length == 1:  # decode: one position per row, written in one indexed copy
        keys[step.every_row, :, step.starts] = k[:, :, 0]
        values[step.every_row, :, step.starts] = v[:, :, 0]
    else:  # prefill: every row starts at position 0 or is alone (a chunk)
        for row, start in enumerate(step.rows.positions):
            keys[row, :, start : start + length] = k[row]
            values[row, :, start : start + length] = v[row]
    span = step.mask.shape[-1]
    return keys[:, :, :span], values[:, :, :span]


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
