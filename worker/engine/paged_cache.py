"""The KV cache: one pool of fixed-size blocks, allocated once to a memory budget (paged).

As in vLLM's PagedAttention, a request's keys and values live in blocks of `block_size`
positions taken from a shared pool as it grows, and go back to the pool when it ends; a
table per cache slot maps position p to block table[slot, p // block_size]. The pool never
grows or moves, so a long prompt costs only its own blocks, for as long as it runs (a slot
layout sized to the longest prompt seen kept that size for every slot, for good), and
CUDA graphs may capture its tensors.

Blocks are *promised* when a request is admitted, for its prompt and every token it may
generate, and *taken* as it grows, as TGI's block allocator does: a request that started
never runs out of room, so nothing is ever preempted or recomputed. One that does not fit
now waits (`promise` says no); one that could never fit is refused before it queues
(`holds`). Block 0 is never handed out: table entries past a slot's blocks point at it, so
padded positions of a batch write and read there, where nothing unmasked looks.
"""

import math

import torch

NULL_BLOCK = 0


def bytes_per_token(num_layers: int, kv_heads: int, head_dim: int, dtype: torch.dtype) -> int:
    """Keys and values of one position in every layer."""
    return 2 * num_layers * kv_heads * head_dim * dtype.itemsize


def default_budget_bytes(device: str, reserved_bytes: int = 0) -> int:
    """The KV cache's budget when none is set: on a GPU 90 % of its free memory once the model
    and the adapter pool are on it, less `reserved_bytes` (the prefix cache's budget); on the
    CPU a fixed 1 GiB, which holds about 22,000 positions of SmolLM2-135M in float32."""
    if device.startswith("cuda"):
        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return max(int(free * 0.9) - reserved_bytes, 0)
    return 2**30


class KVCache:
    """Keys and values of every layer for `slots` requests, paged in one fixed pool."""

    def __init__(
        self,
        num_layers: int,
        slots: int,
        kv_heads: int,
        head_dim: int,
        max_len: int,
        *,
        budget_bytes: int,
        device,
        dtype: torch.dtype,
        block_size: int = 16,
    ):
        self.max_len, self.block_size = max_len, block_size
        self.blocks_per_slot = math.ceil(max_len / block_size)
        block_bytes = block_size * bytes_per_token(num_layers, kv_heads, head_dim, dtype)
        # never more than every slot at the full context could use
        usable = min(budget_bytes // block_bytes, slots * self.blocks_per_slot)
        if usable < 1:
            raise ValueError(
                f"A KV cache budget of {budget_bytes} bytes holds no block of {block_size} "
                f"positions ({block_bytes} bytes); raise LORALAND_KV_CACHE_MB."
            )
        self.total_blocks = usable
        self.budget_bytes = (usable + 1) * block_bytes  # what is really allocated, block 0 too
        shape = (usable + 1, block_size, kv_heads, head_dim)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(num_layers)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(num_layers)]
        # slot -> its blocks in position order; on the device as well, for the forward pass
        self.tables = torch.full(
            (slots, self.blocks_per_slot), NULL_BLOCK, dtype=torch.long, device=device
        )
        self._held: list[list[int]] = [[] for _ in range(slots)]
        self._free = list(range(usable, 0, -1))  # a stack: the lowest ids go out first
        self.unpromised = usable  # free blocks no admitted request may still claim
        self.peak_blocks = 0  # the most blocks held at once (tests, benches)

    # --- accounting --------------------------------------------------------------------
    def blocks_for(self, tokens: int) -> int:
        return math.ceil(tokens / self.block_size)

    @property
    def capacity_tokens(self) -> int:
        """The most positions one request can ever have: the whole pool."""
        return self.total_blocks * self.block_size

    @property
    def held_blocks(self) -> int:
        return self.total_blocks - len(self._free)

    def promise(self, tokens: int) -> bool:
        """Set aside room for a request of up to `tokens` positions; False if there is none now."""
        blocks = self.blocks_for(tokens)
        if blocks > self.unpromised:
            return False
        self.unpromised -= blocks
        return True

    def grow(self, slot: int, length: int) -> None:
        """Give `slot` blocks for positions up to length - 1 (from its request's promise).
        Called for every row at every decode step: mostly it has nothing to do."""
        held = self._held[slot]
        if len(held) * self.block_size >= length:
            return
        while len(held) * self.block_size < length:
            block = self._free.pop()  # IndexError would mean a request outgrew its promise
            self.tables[slot, len(held)] = block
            held.append(block)
        self.peak_blocks = max(self.peak_blocks, self.held_blocks)

    def release(self, slot: int, promised_tokens: int) -> None:
        """The request in `slot` has ended: its blocks and the rest of its promise go back."""
        held = self._held[slot]
        self._free.extend(reversed(held))
        self.tables[slot, : len(held)] = NULL_BLOCK
        self._held[slot] = []
        self.unpromised += self.blocks_for(promised_tokens)

    def reset(self) -> None:
        """Every request has gone (the engine failed them all)."""
        for slot in range(len(self._held)):
            self.release(slot, 0)
        self.unpromised = self.total_blocks

    def move(self, source: int, target: int) -> None:
        """Hand one slot's blocks to another, empty slot (the engine keeps rows packed): the
        table moves, the keys and values stay where they are."""
        held = self._held[source]
        self.tables[target, : len(held)] = self.tables[source, : len(held)]
        self.tables[source, : len(held)] = NULL_BLOCK
        self._held[target], self._held[source] = held, []

    # --- positions -----------------------------------------------------------------------
    @property
    def positions_per_slot(self) -> int:
        """How far a slot's table reaches (the context, rounded up to whole blocks)."""
        return self.blocks_per_slot * self.block_size

    def flat_positions(
        self, tables: torch.Tensor, positions: torch.Tensor, padded: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Where positions (B, T) of the rows whose tables are `tables` (B, blocks) lie in a
        layer's pool seen as one run of positions: (B * T,). Positions marked `padded` go to
        block 0, whatever they are (they may lie past the table)."""
        size = self.block_size
        if padded is not None:
            positions = positions.masked_fill(padded, 0)
        flat = tables.gather(1, positions // size) * size + positions % size
        if padded is not None:
            flat = flat.masked_fill(padded, NULL_BLOCK * size)
        return flat.flatten()

    def read(self, slot: int, start: int, end: int) -> torch.Tensor:
        """A copy of one slot's keys and values at positions start..end-1, every layer's:
        (2 x layers, kv_heads, end - start, head_dim), keys first (see PrefixCache)."""
        flat = self._slot_positions(slot, start, end)
        return torch.stack(
            [pool.flatten(0, 1)[flat].transpose(0, 1) for pool in (*self.keys, *self.values)]
        )

    def write(self, slot: int, kv: torch.Tensor) -> None:
        """Put what `read` gave into one slot's first positions (the slot grows to hold them)."""
        length = kv.shape[2]
        self.grow(slot, length)
        flat = self._slot_positions(slot, 0, length)
        for pool, part in zip((*self.keys, *self.values), kv, strict=True):
            pool.flatten(0, 1).index_copy_(0, flat, part.transpose(0, 1))

    def _slot_positions(self, slot: int, start: int, end: int) -> torch.Tensor:
        positions = torch.arange(start, end, device=self.tables.device)[None]
        return self.flat_positions(self.tables[slot : slot + 1], positions)
