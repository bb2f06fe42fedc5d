"""The engine: one base model, one scheduler thread, many requests and adapters.

Requests join between decode steps and leave when they finish or are cancelled. Each step
advances every active request by one token (round-robin, each with its own KV cache), so
concurrent streams progress together and a Stop takes effect within one step. Issue 4 turns
the per-request step into one batched forward with per-row LoRA.
"""

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

import torch

from .adapters import AdapterStore
from .config import EngineConfig, GenerationRequest
from .detokenize import IncrementalDetokenizer
from .errors import GenerationError
from .events import DoneEvent, ErrorEvent, TokenEvent
from .lora import LoraAdapter, LoraHooks
from .model import context_length, load_base_model, torch_dtype
from .sampling import make_generator, sample_next_token
from .stops import StopSequenceFilter

log = logging.getLogger(__name__)


class RequestHandle:
    """What a caller holds: the stream of events of one request, and a way to cancel it."""

    def __init__(self, request: GenerationRequest):
        self.request = request
        self._events: queue.Queue = queue.Queue()
        self._cancelled = threading.Event()
        self.submitted_at = time.perf_counter()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def put(self, event) -> None:
        self._events.put(event)

    def events(self, poll_s: float = 0.05, on_idle=None):
        """Yield events until Done or Error. `on_idle` runs every poll_s while waiting."""
        while True:
            try:
                event = self._events.get(timeout=poll_s)
            except queue.Empty:
                if on_idle:
                    on_idle()
                continue
            yield event
            if isinstance(event, DoneEvent | ErrorEvent):
                return


@dataclass
class _Running:
    handle: RequestHandle
    prompt_ids: list[int]
    adapter: LoraAdapter | None
    max_new_tokens: int
    detokenizer: IncrementalDetokenizer
    stops: StopSequenceFilter
    generator: torch.Generator | None
    submitted_at: float
    next_input: torch.Tensor
    cache: object = None
    generated: int = 0
    first_token_at: float | None = None
    text: list[str] = field(default_factory=list)


class Engine:
    def __init__(self, config: EngineConfig):
        self.config = config
        if config.threads:
            torch.set_num_threads(config.threads)
        self.model, self.tokenizer = load_base_model(
            config.base_model, device=config.device, dtype=config.dtype
        )
        self.context_length = context_length(self.model)
        self.adapters = AdapterStore(
            config.adapter_dir,
            device=config.device,
            dtype=torch_dtype(config.dtype),
            capacity=config.max_resident_adapters,
        )
        self._hooks = LoraHooks(self.model)
        self._inbox: queue.Queue[RequestHandle] = queue.Queue()
        self._running: list[_Running] = []
        self._thread = threading.Thread(target=self._loop, name="loraland-engine", daemon=True)
        self._thread.start()

    # --- public API ----------------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> RequestHandle:
        handle = RequestHandle(request)
        self._inbox.put(handle)
        return handle

    def generate(self, request: GenerationRequest) -> DoneEvent:
        """Run one request to the end (no streaming); raise GenerationError on failure."""
        for event in self.submit(request).events():
            if isinstance(event, ErrorEvent):
                raise GenerationError(event.code, event.message)
            if isinstance(event, DoneEvent):
                return event
        raise AssertionError("unreachable")

    def count_prompt_tokens(self, prompt: str) -> int:
        return len(self.tokenizer(prompt)["input_ids"])

    # --- the scheduler thread ------------------------------------------------------------
    def _loop(self) -> None:
        if self.config.threads:
            torch.set_num_threads(self.config.threads)
        while True:
            self._admit(block=not self._running)
            for state in list(self._running):
                self._step_or_fail(state)

    def _admit(self, *, block: bool) -> None:
        try:
            handle = self._inbox.get(block=block)
            while True:
                self._start(handle)
                handle = self._inbox.get_nowait()
        except queue.Empty:
            pass

    def _start(self, handle: RequestHandle) -> None:
        try:
            self._running.append(self._prepare(handle))
        except GenerationError as exc:
            handle.put(ErrorEvent(exc.code, exc.message))
        except Exception as exc:
            log.exception("could not start a request")
            handle.put(ErrorEvent("ENGINE_ERROR", f"The engine failed: {exc}"))

    def _prepare(self, handle: RequestHandle) -> _Running:
        request, params = handle.request, handle.request.params
        prompt_ids = self.tokenizer(request.prompt)["input_ids"]
        room = self.context_length - len(prompt_ids)
        if room <= 0:
            raise GenerationError(
                "PROMPT_TOO_LONG",
                f"The prompt has {len(prompt_ids)} tokens; the model's context holds "
                f"{self.context_length}.",
            )
        adapter = None
        if request.adapter:
            adapter = self.adapters.get(request.adapter)
            self._hooks.ensure_hooked(adapter)
        return _Running(
            handle=handle,
            prompt_ids=prompt_ids,
            adapter=adapter,
            max_new_tokens=min(params.max_new_tokens, room),
            detokenizer=IncrementalDetokenizer(self.tokenizer),
            stops=StopSequenceFilter(params.stop),
            generator=make_generator(params, self.config.device),
            submitted_at=handle.submitted_at,
            next_input=torch.tensor([prompt_ids], device=self.config.device),
        )

    def _step_or_fail(self, state: _Running) -> None:
        try:
            self._step(state)
        except Exception as exc:
            log.exception("a request failed mid-generation")
            self._running.remove(state)
            state.handle.put(ErrorEvent("ENGINE_ERROR", f"Generation failed: {exc}"))

    @torch.inference_mode()
    def _step(self, state: _Running) -> None:
        if state.handle.cancelled:
            return self._finish(state, "cancelled")
        self._hooks.active = state.adapter
        out = self.model(input_ids=state.next_input, past_key_values=state.cache, use_cache=True)
        state.cache = out.past_key_values
        token = sample_next_token(out.logits[0, -1], state.handle.request.params, state.generator)
        if token == self.tokenizer.eos_token_id:
            return self._finish(state, "stop")
        state.generated += 1
        state.first_token_at = state.first_token_at or time.perf_counter()
        self._emit(state, state.stops.feed(state.detokenizer.push(token)))
        if state.stops.stopped:
            return self._finish(state, "stop")
        if state.generated >= state.max_new_tokens:
            return self._finish(state, "length")
        state.next_input = torch.tensor([[token]], device=self.config.device)

    def _emit(self, state: _Running, text: str) -> None:
        if text:
            state.text.append(text)
            state.handle.put(TokenEvent(text))

    def _finish(self, state: _Running, reason: str) -> None:
        if not state.stops.stopped:
            self._emit(state, state.stops.feed(state.detokenizer.flush()))
            self._emit(state, state.stops.finish())
        self._running.remove(state)
        now = time.perf_counter()
        ttft = state.first_token_at and (state.first_token_at - state.submitted_at) * 1000
        state.handle.put(
            DoneEvent(
                text="".join(state.text),
                finish_reason=reason,
                prompt_tokens=len(state.prompt_ids),
                completion_tokens=state.generated,
                ttft_ms=round(ttft, 1) if ttft else None,
                tokens_per_s=round(state.generated / max(now - state.submitted_at, 1e-9), 1),
            )
        )
