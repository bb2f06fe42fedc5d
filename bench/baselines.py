"""The PEFT baselines: one request at a time, and mixed-adapter static batches."""

import heapq
import random
import time
from pathlib import Path

import torch

from worker.engine.model import torch_dtype

from .samples import RssSampler, Samples
from .workload import Workload

MAX_STATIC_BATCH = 32  # PEFT mixed batches: as many rows as the engine decodes together


class FirstTokenClock:
    """A logits processor that notes when generate has the first token's logits (after prefill)."""

    def __init__(self):
        self.first = None

    def __call__(self, input_ids, scores):
        if self.first is None:
            if scores.is_cuda:
                torch.cuda.synchronize()  # the time the logits exist, not when they were queued
            self.first = time.perf_counter()
        return scores


def load_peft(config, adapters: list[str]):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(
        config.base_model, dtype=torch_dtype(config.dtype), local_files_only=True
    ).to(config.device)
    root = Path(config.adapter_dir)
    model = PeftModel.from_pretrained(model, root / adapters[0], adapter_name=adapters[0])
    for name in adapters[1:]:
        model.load_adapter(root / name, adapter_name=name)
    return model.eval(), tokenizer


def peft_generate(model, tokenizer, batch: list[tuple[str, str]], new_tokens: int, mixed: bool):
    """Run one static batch; return (seconds to first token, seconds in all)."""
    from transformers import LogitsProcessorList

    clock = FirstTokenClock()
    inputs = tokenizer([prompt for _, prompt in batch], return_tensors="pt", padding=True)
    inputs = inputs.to(model.device)
    options = {"adapter_names": [name for name, _ in batch]} if mixed else {}
    if not mixed:
        model.set_adapter(batch[0][0])
    started = time.perf_counter()
    with torch.inference_mode():
        model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            logits_processor=LogitsProcessorList([clock]),
            **options,
        )
    return clock.first - started, time.perf_counter() - started


def run_static(model, tokenizer, work: Workload, batch_size: int, mixed: bool) -> dict:
    """Users queue for one server that runs static batches; a virtual clock adds the waits.

    Each batch's times are measured for real; a user's next request is ready when its
    previous answer is complete, and waits until the server is free."""
    rng, samples, clock = random.Random(0), Samples(), 0.0
    ready = [(0.0, user) for user in range(work.users)]
    served = 0
    with RssSampler() as rss:
        while served < work.requests:
            clock = max(clock, ready[0][0])
            batch = []
            while ready and ready[0][0] <= clock and len(batch) < batch_size:
                batch.append(heapq.heappop(ready))
            requests = [work.pick(rng) for _ in batch]
            first, total = peft_generate(model, tokenizer, requests, work.new_tokens, mixed)
            for submitted, user in batch:
                samples.ttft_ms.append((clock + first - submitted) * 1000)
                samples.itl_ms.append((total - first) / max(work.new_tokens - 1, 1) * 1000)
                heapq.heappush(ready, (clock + total, user))
            clock += total
            served += len(batch)
            samples.tokens += len(batch) * work.new_tokens
    samples.elapsed, samples.peak_rss = clock, rss.peak
    return samples.summary()
