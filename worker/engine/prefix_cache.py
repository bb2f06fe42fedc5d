"""Keys and values of prompt prefixes already computed, reused by later prompts (LRU, by bytes).

A task's prompts all begin with the same template text (jigsaw's instruction is 400 tokens of
a 430-token prompt), so prefilling each prompt from scratch repeats most of the work. As vLLM's
automatic prefix caching does, prompts are cut into blocks of `block_size` tokens and each full
block's keys and values are kept under a hash of everything up to it: the adapter's identity
(LoRA on q/k/v changes the keys and values, so every adapter has its own) and the tokens of
that block and of all blocks before it. A new prompt takes the longest run of cached blocks
from its start and prefills only the rest.

The hash is SHA-256 rather than Python's `hash`: a visitor who could forge a collision would
be served another prompt's keys and values.
"""

import hashlib
from array import array
from collections import OrderedDict
from dataclasses import dataclass

import torch


@dataclass
class PrefixStats:
    """What the cache saved, for benchmarks and logs."""

    lookups: int = 0
    prompt_tokens: int = 0  # in the prompts looked up
    hit_tokens: int = 0  # of those, taken from the cache

    @property
    def hit_rate(self) -> float:
        return self.hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0


class PrefixCache:
    def __init__(self, budget_bytes: int, block_size: int = 16):
        self.budget_bytes = budget_bytes
        self.block_size = block_size
        # block key -> that block's keys and values, (2 x layers, kv_heads, block_size, head_dim),
        # least recently used first
        self._blocks: OrderedDict[bytes, torch.Tensor] = OrderedDict()
        self.held_bytes = 0
        self.stats = PrefixStats()

    @property
    def enabled(self) -> bool:
        return self.budget_bytes > 0

    def __len__(self) -> int:
        return len(self._blocks)

    def block_keys(self, identity: str, token_ids: list[int], blocks: int) -> list[bytes]:
        """The keys of the prompt's first `blocks` blocks; each one names everything before it."""
        keys, parent = [], hashlib.sha256(identity.encode()).digest()
        size = self.block_size
        for index in range(blocks):
            block = array("q", token_ids[index * size : (index + 1) * size]).tobytes()
            parent = hashlib.sha256(parent + block).digest()
            keys.append(parent)
        return keys

    def lookup(self, identity: str, token_ids: list[int]) -> list[torch.Tensor]:
        """The cached blocks that begin this prompt, in order. At least its last token is left
        out: prefilling it gives the logits of the first new token."""
        if not self.enabled:
            return []
        found = []
        for key in self.block_keys(identity, token_ids, (len(token_ids) - 1) // self.block_size):
            block = self._blocks.get(key)
            if block is None:
                break
            found.append(key)
        # the last block first, so that a prefix's first blocks are evicted after its later
        # ones (a later block is of no use without the ones before it)
        for key in reversed(found):
            self._blocks.move_to_end(key)
        self.stats.lookups += 1
        self.stats.prompt_tokens += len(token_ids)
        self.stats.hit_tokens += len(found) * self.block_size
        return [self._blocks[key] for key in found]

    def insert(self, identity: str, token_ids: list[int], read) -> None:
        """Keep the prompt's full blocks that are not cached yet. `read(start, end)` gives the
        keys and values of positions start..end-1, (2 x layers, kv_heads, end - start, head_dim)."""
        if not self.enabled:
            return
        keys = self.block_keys(identity, token_ids, len(token_ids) // self.block_size)
        first_new = next((i for i, key in enumerate(keys) if key not in self._blocks), len(keys))
        if first_new == len(keys):
            return
        size = self.block_size
        computed = read(first_new * size, len(keys) * size)
        for index in range(first_new, len(keys)):
            offset = (index - first_new) * size
            block = computed[:, :, offset : offset + size].clone()  # its own storage
            if keys[index] not in self._blocks:
                self._blocks[keys[index]] = block
                self.held_bytes += block.nbytes
        for key in reversed(keys):
            self._blocks.move_to_end(key)
        self._evict()

    def clear(self) -> None:
        self._blocks.clear()
        self.held_bytes = 0

    def _evict(self) -> None:
        while self.held_bytes > self.budget_bytes and self._blocks:
            _, block = self._blocks.popitem(last=False)
            self.held_bytes -= block.nbytes
