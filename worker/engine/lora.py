"""LoRA weights read from a PEFT adapter directory, stacked for batched application.

PEFT computes  y = W x + (B A x) * scaling  with scaling = lora_alpha / r (or / sqrt(r) with
rsLoRA). We read A and B straight from `adapter_model.safetensors` (nothing is unpickled) and
add the same term per row of a batch (batch.py), so one base model serves any mix of adapters.

Long on purpose: the adapter pool's layout (rows, blocks, eviction) and the batched
matmuls that read it change together.
"""

import hashlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load

from worker import peft_format
from worker.peft_format import WEIGHTS_FILE, FormatError

from .errors import GenerationError


@dataclass
class LoraLayer:
    a: torch.Tensor  # (r, in_features)
    b: torch.Tensor  # (out_features, r)
    scaling: float


@dataclass
class LoraAdapter:
    name: str
    rank: int
    layers: dict[str, LoraLayer]  # base module name -> weights
    # what the weights file held (a hash): a re-uploaded adapter of the same name differs
    digest: str = ""

    @property
    def nbytes(self) -> int:
        return sum(t.a.nbytes + t.b.nbytes for t in self.layers.values())


def load_lora_adapter(name: str, path: Path) -> LoraAdapter:
    """Read an adapter's tensors (safetensors only: nothing is ever unpickled), checked by the
    rules uploads are checked by (worker/peft_format.py)."""
    try:
        config, tensors, data = read_checked(path)
    except FormatError as exc:  # the engine's one code for an adapter it cannot serve
        code = "ADAPTER_NOT_FOUND" if exc.code == "MISSING_CONFIG" else "ADAPTER_INVALID"
        raise GenerationError(code, f"{name}: {exc.message}") from exc
    layers = {
        module: LoraLayer(a=parts["lora_A"], b=parts["lora_B"], scaling=config.scaling)
        for module, parts in tensors.items()
    }
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return LoraAdapter(name=name, rank=config.rank, layers=layers, digest=digest)


def read_checked(path: Path):
    """(config, {module: {"lora_A": A, "lora_B": B}}, the weights file's bytes); raises
    FormatError for anything the format refuses."""
    config = peft_format.read_config(path)
    weights_path = path / WEIGHTS_FILE
    if not weights_path.is_file():
        raise peft_format.missing_weights()
    data = weights_path.read_bytes()
    try:
        # load() from bytes, not safe_open().get_tensor(): the latter kept ~100 small objects
        # alive per tensor read (measured with tracemalloc: RSS grew steadily as adapters were
        # loaded and evicted over and over).
        loaded = load(data)
    except Exception as exc:  # a truncated or corrupt file
        raise FormatError("WEIGHTS_CORRUPT", f"Cannot read the weights: {exc}") from exc
    tensors: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in loaded.items():
        module, part = peft_format.split_lora_key(key)
        tensors.setdefault(module, {})[part] = tensor
    shapes = {m: {p: tuple(t.shape) for p, t in ps.items()} for m, ps in tensors.items()}
    peft_format.check_pairs(shapes)
    for module, parts in shapes.items():
        peft_format.check_pair_shapes(module, parts["lora_A"], parts["lora_B"], config.rank)
    return config, tensors, data


@dataclass(frozen=True)
class _Block:
    """Where one module's Aᵀ (in_features, rank) and Bᵀ (rank, out_features) lie in a row.

    Modules that read the same input (q, k and v of a layer) keep their Aᵀ side by side, as
    the columns of one (in_features, members * rank) matrix: one matmul gives all their
    x·Aᵀ, and the module's own Aᵀ is its `column`-th block of `rank` columns."""

    a: int  # offset of the input group's Aᵀ
    column: int  # the module's place among the group's members
    members: int  # modules of the group that some loaded adapter targets
    b: int  # offset of Bᵀ
    in_features: int
    out_features: int

    def columns(self, rank: int) -> slice:
        """The module's own columns of its group's Aᵀ, and of x·Aᵀ."""
        return slice(self.column * rank, (self.column + 1) * rank)


ZERO = 0  # a pool row of zeros: what a row without an adapter reads (also "no adapter" slot)
FREE = -1  # a pool row whose contents mean nothing
SWAP_PIECE = 32768  # elements moved at a time when two pool rows swap on the CPU (see _swap)
# A decode pass reads each adapter once, its rows grouped by adapter (see ByAdapter), when it
# has at least this many rows per adapter and the padding stays within this many times its
# rows. Rows without an adapter count too: grouped, they read nothing; a row each, they read
# a row of zeros.
# Measured on the demo model, decode steps against the base model: 100 rows over 24
# adapters 0.86x grouped, 0.77x reading a row each; 64 rows over 21 adapters 0.81x / 0.79x;
# 32 rows over 20 adapters 0.76x / 0.83x; 32 rows over 16 (Zipf), padded to 128, 0.77x / 0.81x.
GROUP_ROWS_PER_ADAPTER = 3
GROUP_MAX_PADDING = 3
VIEW_CACHE_SIZE = 64  # row ranges whose module views are kept (see _module_views)


@dataclass(frozen=True)
class ByAdapter:
    """The rows of a pass grouped by adapter, SGMV style (Punica, S-LoRA): the pass's g-th
    adapter's rows are positions g * most .. g * most + count - 1 of a batch of
    adapters * most positions, and the positions after them are padding. One matmul then
    reads each adapter once however many rows use it, where a row each reads it per row."""

    rows: torch.Tensor  # (adapters * most,) the batch row at each position (padding: row 0)
    real: torch.Tensor  # (adapters, most, 1, 1): 1 where a position holds a row, 0 at padding
    positions: torch.Tensor  # (batch,) each row's position; a row without adapter, padding's
    adapters: int
    most: int  # positions per adapter: the rows of the adapter that has the most, or one more

    @classmethod
    def of(cls, slots: list[int], counts: Counter, order: list[int], *, device, dtype):
        """`counts`: rows per slot; `order`: the pass's adapters, group by group."""
        most = max(counts[slot] for slot in order)
        if counts[0] and len(order) * most == len(slots) - counts[0]:
            most += 1  # rows without an adapter read a padding position: there must be one
        rows, real = [0] * (len(order) * most), [0.0] * (len(order) * most)
        positions = [0] * len(slots)
        free = {slot: group * most for group, slot in enumerate(order)}  # next free position
        for row, slot in enumerate(slots):
            if slot:
                positions[row] = free[slot]
                rows[free[slot]], real[free[slot]] = row, 1.0
                free[slot] += 1
        if counts[0]:
            padding = real.index(0.0)
            positions = [positions[row] if slot else padding for row, slot in enumerate(slots)]
        return cls(
            rows=torch.tensor(rows, device=device),
            real=torch.tensor(real, device=device, dtype=dtype).view(len(order), most, 1, 1),
            positions=torch.tensor(positions, device=device),
            adapters=len(order),
            most=most,
        )


@dataclass(frozen=True)
class LoraPass:
    """What one forward pass reads: per input group, the pool rows' views (_group_views), and
    the rows by adapter, when a pass reads each adapter once."""

    views: dict
    by_adapter: ByAdapter | None = None


class LoraStack:
    """Every resident adapter's A and B, one flat row of weights per adapter, in one pool.

    Slots are numbered 1..capacity (0 stands for "no adapter", which needs no weights) and
    handed out least-recently-used first, skipping adapters that running requests still use
    (`pin`/`unpin`). Loading copies one adapter into a row of the pool: the cost does not grow
    with the number of adapters already loaded. Ranks are padded with zeros to the largest
    rank loaded so far, so r=8 and r=16 adapters share one batched matmul; a module an
    adapter does not target stays zero in its row.

    All modules' Aᵀ and Bᵀ of an adapter sit side by side in one row of the pool (the Aᵀ of
    modules that read one input, `shared_inputs`, as one matrix: see _Block), and batch
    row i of a forward pass reads pool row first_row + i (see `gather`): adapters are moved to
    the rows that use them, so the pool holds each resident adapter once, plus a copy for each
    further row that shares an adapter (or a row of zeros for a row without one, next to rows
    with one). A pass with many rows per adapter reads each adapter once instead, its rows
    grouped by adapter (`ByAdapter`). Rows an evicted adapter leaves are reused; the rows
    beyond one per resident adapter are dropped when nothing has run for a while (`trim`).
    """

    def __init__(self, model: torch.nn.Module, capacity: int, *, device, dtype, shared_inputs=()):
        self.capacity = capacity
        self.device, self.dtype = device, dtype
        self.rank = 0
        self._linears = {
            name: module
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear)
        }
        # Modules that read one input, e.g. ("…q_proj", "…k_proj", "…v_proj"): `apply` takes
        # them together. Any other module is a group of its own.
        self._group_of = {name: tuple(group) for group in shared_inputs for name in group}
        self._blocks: dict[str, _Block] = {}  # the modules some loaded adapter targets
        self._pool = torch.zeros(capacity, 0, device=device, dtype=dtype)
        self._holds = [FREE] * capacity  # per pool row: the slot it holds, ZERO or FREE
        self._slot_of: OrderedDict[str, int] = OrderedDict()  # name -> slot, LRU order
        self._identity: dict[int, str] = {}  # slot -> its adapter's name and weights' digest
        self._pins: dict[int, int] = {}
        self._view_cache: OrderedDict = OrderedDict()  # see _module_views
        self.evictions = 0  # adapters dropped to make room, since the start (metrics)

    # --- residency ------------------------------------------------------------------------
    def slot_of(self, name: str) -> int | None:
        slot = self._slot_of.get(name)
        if slot is not None:
            self._slot_of.move_to_end(name)
        return slot

    def identity(self, slot: int) -> str:
        """What slot `slot` computes with: "base" (slot 0), else the adapter's name and the
        digest of its weights (PrefixCache keys by it)."""
        return self._identity[slot] if slot else "base"

    def resident_names(self) -> list[str]:
        return list(self._slot_of)

    def held_bytes(self) -> dict[str, int]:
        """Bytes of the pool: the resident adapters, and the extra rows a batch needed."""
        adapters = len(self._slot_of) * self._pool.shape[1] * self._pool.element_size()
        return {"adapters": adapters, "extra_rows": self._pool.nbytes - adapters}

    def pin(self, slot: int) -> None:
        self._pins[slot] = self._pins.get(slot, 0) + 1

    def unpin(self, slot: int) -> None:
        self._pins[slot] -= 1
        if not self._pins[slot]:
            del self._pins[slot]

    # Every method that writes to the pool (load, trim, gather) runs under inference mode:
    # the forward pass does, so a pool that grows in `gather` is an inference tensor, which
    # only code under inference mode may write to (loads failed after such a growth).
    @torch.inference_mode()
    def trim(self) -> bool:
        """Keep one pool row per resident adapter and drop the others (copies, rows of
        zeros, rows of evicted adapters); True if it dropped any. For when nothing runs, so
        that the rows a burst of requests needed are not kept for good: it copies the pool
        once, and does nothing when there is nothing to drop."""
        if len(self._holds) == len(self._slot_of):
            return False  # each row holds a different resident adapter
        resident, first_row_of = set(self._slot_of.values()), {}
        for row, holds in enumerate(self._holds):
            if holds in resident:
                first_row_of.setdefault(holds, row)
        keep = sorted(first_row_of.values())
        self._pool = self._pool[keep]  # a new, smaller tensor: the old one is freed
        self._holds = [self._holds[row] for row in keep]
        self._view_cache.clear()
        return True

    def has_room(self) -> bool:
        return len(self._slot_of) < self.capacity or any(
            slot not in self._pins for slot in self._slot_of.values()
        )

    @torch.inference_mode()
    def load(self, adapter: "LoraAdapter") -> int:
        """Copy an adapter into the pool, evicting the least recently used idle one."""
        self.check_compatible(adapter)
        self._make_room(max(self.rank, adapter.rank), adapter.layers)  # before any eviction
        slot = self._free_slot()
        row = self._row_for(slot)
        weights = self._pool[row]
        weights.zero_()
        for name, layer in adapter.layers.items():
            a, b = self._views(weights, name)
            rank = layer.a.shape[0]
            a[:, :rank] = layer.a.T.to(self.device, self.dtype)
            b[:rank] = (layer.b * layer.scaling).T.to(self.device, self.dtype)
        self._holds[row] = slot
        self._slot_of[adapter.name] = slot
        self._identity[slot] = f"{adapter.name}:{adapter.digest}"
        return slot

    def check_compatible(self, adapter: "LoraAdapter") -> None:
        for name, layer in adapter.layers.items():
            module = self._linears.get(name)
            if module is None:
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name} targets {name}, not in the base model."
                )
            if layer.a.shape[1] != module.in_features or layer.b.shape[0] != module.out_features:
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name}: shapes of {name} do not match."
                )
            if not layer.a.shape[0] == layer.b.shape[1] <= adapter.rank:
                # e.g. a per-module rank_pattern: refused here, alone, not mid-batch
                raise GenerationError(
                    "ADAPTER_INVALID", f"{adapter.name}: the ranks of {name}'s A and B differ."
                )

    def _free_slot(self) -> int:
        used = set(self._slot_of.values())
        for slot in range(1, self.capacity + 1):
            if slot not in used:
                return slot
        for name, slot in self._slot_of.items():  # least recently used first
            if slot not in self._pins:
                del self._slot_of[name]
                self.evictions += 1
                return slot
        raise RuntimeError("every adapter slot is in use")  # callers check has_room() first

    def _row_for(self, slot: int) -> int:
        """A pool row for a newly loaded adapter: one its slot's evicted adapter held (its
        other copies are freed), else a free row, else a new one."""
        held = [row for row, holds in enumerate(self._holds) if holds == slot]
        for row in held[1:]:
            self._holds[row] = FREE
        if held:
            return held[0]
        return self._spare_row(after=0, exact=True)

    def _make_room(self, rank: int, modules) -> None:
        """Re-lay the pool out when an adapter brings a larger rank or a new module (rare:
        it copies every row once)."""
        new_modules = [name for name in modules if name not in self._blocks]
        if rank == self.rank and not new_modules:
            return
        groups: dict[tuple, list[str]] = {}
        for name in [*self._blocks, *new_modules]:
            groups.setdefault(self.group_of(name), []).append(name)
        blocks, offset = {}, 0
        for group, members in groups.items():
            members.sort(key=group.index)
            fan_in = self._linears[members[0]].in_features
            a_offset, offset = offset, offset + fan_in * len(members) * rank
            for column, name in enumerate(members):
                fan_out = self._linears[name].out_features
                blocks[name] = _Block(a_offset, column, len(members), offset, fan_in, fan_out)
                offset += rank * fan_out
        # Built aside and swapped in at the end: a failed allocation leaves the stack as it was.
        pool = self._pool.new_zeros(self._pool.shape[0], offset)
        for name, block in self._blocks.items():
            old_a, old_b = self._views(self._pool, name, block, self.rank)
            a, b = self._views(pool, name, blocks[name], rank)
            a[..., : self.rank], b[..., : self.rank, :] = old_a, old_b
        self.rank, self._blocks, self._pool = rank, blocks, pool
        self._view_cache.clear()

    def group_of(self, name: str) -> tuple[str, ...]:
        return self._group_of.get(name, (name,))

    def _views(self, weights: torch.Tensor, name: str, block=None, rank=None):
        """Aᵀ (…, in, rank) and Bᵀ (…, rank, out) of `name` in one row's (or rows') weights."""
        block, rank = block or self._blocks[name], rank if rank is not None else self.rank
        a = self._group_a(weights, block, rank)[..., block.columns(rank)]
        return a, self._b(weights, block, rank)

    @staticmethod
    def _group_a(weights: torch.Tensor, block: _Block, rank: int) -> torch.Tensor:
        """The Aᵀ of a module's whole input group: (…, in, members * rank)."""
        width = block.members * rank
        a = weights[..., block.a : block.a + block.in_features * width]
        return a.view(*weights.shape[:-1], block.in_features, width)

    @staticmethod
    def _b(weights: torch.Tensor, block: _Block, rank: int) -> torch.Tensor:
        b = weights[..., block.b : block.b + rank * block.out_features]
        return b.view(*weights.shape[:-1], rank, block.out_features)

    # --- the forward pass -----------------------------------------------------------------
    @torch.inference_mode()
    def gather(
        self, slots: list[int], first_row: int = 0, *, one_token: bool = False
    ) -> LoraPass | None:
        """What a pass whose rows use adapter `slots` reads, or None when no row has LoRA.

        Batch row i reads pool row first_row + i, so each row's adapter is moved (or, for a
        second row that uses it, copied) into that row first. Rows keep their adapters
        between steps: a step moves only for the rows whose adapter changed (a request
        joined, or moved to fill a hole), so continuous batching does not pay a full gather
        at every step (measured: gathering 32 rows' weights at every step, even into a small
        buffer, made the LoRA part of a step 70 % slower). A prefill of several adapters
        passes `first_row`, the row its first request will hold when it joins the decoding
        batch, so its adapters are placed once, where they will decode while the decoding
        rows read a pool row each, without disturbing the decoding rows before it. Rows that
        all share one adapter read its row wherever it is (so a prefill of one adapter
        places nothing; its row is placed when it decodes).
        A decode pass (`one_token` per row) with GROUP_ROWS_PER_ADAPTER rows per adapter or
        more has its adapters placed once each, in rows first_row.., and its rows grouped by
        adapter (see ByAdapter). A prefill's cost is its arithmetic, not reading adapters.
        """
        if not any(slots):
            return None
        counts = Counter(slots)  # in the order the rows first ask for each slot
        if len(counts) == 1:  # one adapter for every row: broadcast, nothing moves
            return LoraPass(self._module_views(self._holds.index(slots[0])))
        adapters = [slot for slot in counts if slot]
        if one_token and self._worth_grouping(len(slots), counts, adapters):
            return self._by_adapter(slots, counts, adapters, first_row)
        self._place_all(slots, first_row)
        return LoraPass(self._module_views(slice(first_row, first_row + len(slots))))

    @staticmethod
    def _worth_grouping(rows: int, counts: Counter, adapters: list[int]) -> bool:
        if rows < GROUP_ROWS_PER_ADAPTER * len(adapters):
            return False
        padded = len(adapters) * max(counts[slot] for slot in adapters)
        return padded <= GROUP_MAX_PADDING * rows

    def _by_adapter(self, slots: list[int], counts: Counter, adapters: list[int], first_row: int):
        """Each adapter of the pass once, in pool rows first_row.., and the rows by adapter."""
        order = self._adapter_order(adapters, first_row)
        self._place_all(order, first_row)
        views = self._module_views(slice(first_row, first_row + len(order)))
        device, dtype = self._pool.device, self.dtype
        return LoraPass(views, ByAdapter.of(slots, counts, order, device=device, dtype=dtype))

    def _adapter_order(self, adapters: list[int], first_row: int) -> list[int]:
        """The pass's adapters in an order that leaves those already in the rows from
        first_row on where they are (so that steps with the same adapters move nothing)."""
        order: list[int | None] = [None] * len(adapters)
        rows = range(first_row, min(first_row + len(adapters), len(self._holds)))
        place = {self._holds[row]: row - first_row for row in reversed(rows)}  # the first
        others = []
        for slot in adapters:
            if slot in place:
                order[place[slot]] = slot
            else:
                others.append(slot)
        rest = iter(others)
        return [slot if slot is not None else next(rest) for slot in order]

    def _place_all(self, slots: list[int], first_row: int) -> None:
        """Pool row first_row + i holds slots[i], for every i."""
        end = first_row + len(slots)
        if end > len(self._holds):
            self._grow(end - len(self._holds))
        for row, slot in enumerate(slots, start=first_row):
            self._place(slot, row, first_row, slots)

    def _place(self, slot: int, row: int, first_row: int, slots: list[int]) -> None:
        """Make pool row `row` hold `slot` (ZERO: zeros), keeping every resident adapter and
        every row the pass (or, for a prefill, the decoding batch before it) still needs."""
        if self._holds[row] == slot:
            return
        end = first_row + len(slots)

        def needed(other: int) -> bool:  # must `other` keep holding what it holds now?
            return other < first_row or (other < end and slots[other - first_row] == slot)

        sources = [other for other, holds in enumerate(self._holds) if holds == slot]
        movable = [other for other in sources if not needed(other)]
        if movable:
            self._swap(row, movable[-1])  # the occupant goes where the adapter was
            return
        # Every copy of the adapter is in use below `end`: copy one. The row the occupant
        # moves to is none of those copies.
        if self._last_copy(row):
            self._swap(row, self._new_home(row, first_row, slots))  # keep the occupant
        self._copy(None if slot == ZERO else sources[0], row, slot)

    def _copy(self, source: int | None, row: int, slot: int) -> None:
        """Pool row `row` becomes a copy of row `source` (None: zeros) and holds `slot`."""
        if source is None:
            self._pool[row].zero_()
        else:
            self._pool[row] = self._pool[source]
        self._holds[row] = slot

    def _new_home(self, row: int, first_row: int, slots: list[int]) -> int:
        """Where the only copy of an adapter in `row` can go: a later row of the pass that
        wants it and holds nothing that must be kept, else a spare row after the pass."""
        end = first_row + len(slots)
        for later in range(row + 1, end):
            if slots[later - first_row] == self._holds[row] and not self._last_copy(later):
                return later
        return self._spare_row(after=end)

    def _last_copy(self, row: int) -> bool:
        """Is this row the only copy of a resident adapter? (A row whose adapter was evicted
        holds nothing that must be kept.)"""
        holds = self._holds[row]
        return holds > 0 and holds in self._slot_of.values() and self._holds.count(holds) == 1

    def _spare_row(self, after: int, *, exact: bool = False) -> int:
        """A row at or after `after` that nothing needs: free, zeros or a second copy, the
        last such (the first rows are the batch's); else a new one (see _grow for `exact`)."""
        for other in reversed(range(after, len(self._holds))):
            if not self._last_copy(other):
                return other
        self._grow(1, exact=exact)
        return len(self._holds) - 1

    def _grow(self, rows: int, *, exact: bool = False) -> None:
        """Add `rows` rows, or half the pool if that is more: each growth copies the whole
        pool (11 ms at 40 rows, measured), and a batch that needed more rows soon needs more.
        A loaded adapter takes exactly its row (`exact`): the pool holds the resident
        adapters and nothing more, until a batch needs extra rows."""
        if not exact:
            rows = max(rows, len(self._holds) // 2)
        pool = self._pool.new_zeros(self._pool.shape[0] + rows, self._pool.shape[1])
        pool[: self._pool.shape[0]] = self._pool
        self._pool = pool
        self._holds += [ZERO] * rows
        self._view_cache.clear()

    def _swap(self, first: int, second: int) -> None:
        # In pieces on the CPU: swapping whole rows through one temporary left about 1 MB
        # that glibc kept after `malloc_trim` (measured in `bench --memory`). A GPU's caching
        # allocator has no such problem, and every piece would be three more kernel launches.
        a, b = self._pool[first], self._pool[second]
        step = SWAP_PIECE if a.device.type == "cpu" else a.shape[0]
        for start in range(0, a.shape[0], step):
            piece = slice(start, start + step)
            held = a[piece].clone()
            a[piece] = b[piece]
            b[piece] = held
        self._holds[first], self._holds[second] = self._holds[second], self._holds[first]

    def _module_views(self, rows: int | slice) -> dict:
        """Per input group, in the given pool row(s): the group's Aᵀ, and for each targeted
        member its index in the group, its columns of x·Aᵀ and its Bᵀ. Kept for the next
        passes, which mostly ask for the same rows: making the views took 0.4 ms, 6 % of a
        step. The least recently used go first: a batch whose size drifts as requests come
        and go, and prefills at other rows, ask for a few dozen row ranges in turn."""
        key = (rows.start, rows.stop) if isinstance(rows, slice) else rows
        views = self._view_cache.get(key)
        if views is None:
            if len(self._view_cache) >= VIEW_CACHE_SIZE:
                self._view_cache.popitem(last=False)
            views = self._view_cache[key] = self._group_views(self._pool[rows])
        self._view_cache.move_to_end(key)
        return views

    def _group_views(self, weights: torch.Tensor) -> dict:
        """{input group: (its Aᵀ, ((member's index in the group, its columns, its Bᵀ), …))}
        for the modules some loaded adapter targets."""
        views: dict[tuple, tuple] = {}
        for name, block in self._blocks.items():
            group, rank = self.group_of(name), self.rank
            a, members = views.get(group) or (self._group_a(weights, block, rank), ())
            member = (group.index(name), block.columns(rank), self._b(weights, block, rank))
            views[group] = (a, (*members, member))
        return views

    @staticmethod
    def apply(group: tuple[str, ...], x: torch.Tensor, outs: list, lora: LoraPass | None):
        """Add x·Aᵀ·Bᵀ (scaling folded into B) to the base outputs `outs` of the modules in
        `group`, which all read x, for each row with its own A and B; in place.

        One matmul gives every member's x·Aᵀ (measured at 32 rows over 25 adapters: a decode
        step 0.2 ms faster than one per module, and exact)."""
        entry = lora.views.get(group) if lora else None
        if entry is None:
            return
        a, members = entry
        if lora.by_adapter is not None:
            apply_by_adapter(lora.by_adapter, x, outs, a, members)
            return
        # Added in place: a prefill's outputs are megabytes, and every fresh tensor of that
        # size costs page faults (measured: the separate add took as long as the matmul).
        if a.dim() == 2:  # one adapter for every row: all rows' tokens as one matrix
            h = torch.mm(x.view(-1, x.shape[-1]), a)  # mm, bmm: matmul's checks cost ~25 µs
            for index, columns, b in members:
                outs[index].view(-1, b.shape[1]).addmm_(h[:, columns], b)
            return
        h = torch.bmm(x, a)
        for index, columns, b in members:
            outs[index].baddbmm_(h[..., columns], b)


def apply_by_adapter(rows: ByAdapter, x: torch.Tensor, outs: list, a, members) -> None:
    """LoraStack.apply with the rows grouped by adapter: x's rows gathered into their
    adapters' places, one matmul for the input's Aᵀ and one per member for its Bᵀ, each
    reading every adapter once, and each row's result added back to its own output (a
    gather then an add: 4-12 µs where `index_add_` took 25 µs, measured at 100 rows)."""
    length, fan_in = x.shape[1:]
    grouped = x.index_select(0, rows.rows).view(rows.adapters, -1, fan_in)
    h = torch.bmm(grouped, a)  # (adapters, most * length, members * rank)
    h.view(rows.adapters, rows.most, length, -1).mul_(rows.real)  # padding: zeros
    for index, columns, b in members:
        y = torch.bmm(h[..., columns], b).view(-1, length, b.shape[-1])
        outs[index].add_(y.index_select(0, rows.positions))
