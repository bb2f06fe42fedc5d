"""Greedy answers over tasks' test splits, for the base model and each task's adapter.

Scoring is separate (demo.metrics). Two ways through the same answers:

- `answer_with_engine` (what `manage.py evaluate` uses): every request goes to the serving
  engine at once. Its continuous batching lets a finished row's place go to the next prompt
  (no padding to the longest answer), and its prefix cache computes a task's template once
  per model instead of once per prompt: on the laptop this halved the whole evaluation.
- `BatchGenerator`: transformers' `generate` on batches of left-padded prompts, one adapter at
  a time, with PEFT; the GPU training script uses it (scripts/gpu_train_demo.py).
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from worker.engine import (
    DoneEvent,
    Engine,
    ErrorEvent,
    GenerationError,
    GenerationRequest,
    SamplingParams,
)
from worker.engine.model import end_token_ids


def as_user_turn(tokenizer, prompt: str) -> str:
    """The prompt as the user's turn of the model's chat template, where it has one.

    The base model gets this wrapper and adapters do not: an instruct model prompted raw with
    a report template ends its answer at once, while the published adapters were trained on
    the bare rendered template."""
    if not getattr(tokenizer, "chat_template", None):
        return prompt
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )


def answer_budget(tokenizer, answers: list[str]) -> int:
    """Room for the longest known answer plus a little: enough to judge, no waste."""
    lengths = [len(ids) for ids in tokenizer(answers, add_special_tokens=False)["input_ids"]]
    return min(max(lengths) + 8, 160)


@dataclass(frozen=True)
class Job:
    """One task's test prompts for one model: the base (adapter None) or an adapter."""

    task: str
    model: str  # "base" | "finetuned"
    adapter: str | None
    prompts: list[str]
    max_new_tokens: int


def answer_with_engine(engine: Engine, jobs: list[Job]) -> dict[str, dict[str, list[str]]]:
    """{task: {model: [answer per prompt]}}, greedy. The base model gets each prompt as its
    chat template's user turn (as_user_turn says why); adapters get the bare prompt."""
    handles = []
    for job in jobs:
        params = SamplingParams(max_new_tokens=job.max_new_tokens)
        handles.append(
            [
                engine.submit(
                    GenerationRequest(prompt, job.adapter, params, chat=job.adapter is None)
                )
                for prompt in job.prompts
            ]
        )
    total = sum(len(job.prompts) for job in jobs)
    results: dict[str, dict[str, list[str]]] = {}
    with tqdm(total=total, desc="evaluate", unit="answer", file=sys.stderr) as progress:
        for job, job_handles in zip(jobs, handles, strict=True):
            results.setdefault(job.task, {})[job.model] = [
                _answer(handle, progress) for handle in job_handles
            ]
    return results


def _answer(handle, progress) -> str:
    for event in handle.events():
        if isinstance(event, ErrorEvent):
            raise GenerationError(event.code, event.message)
        if isinstance(event, DoneEvent):
            progress.update()
            return event.text
    raise AssertionError("unreachable")


class BatchGenerator:
    def __init__(self, base_dir: Path, device: str = "cpu"):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.base = (
            AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True).to(device).eval()
        )
        self.end_ids = sorted(end_token_ids(self.base, self.tokenizer))

    @torch.inference_mode()
    def generate(
        self, model, prompts: list[str], max_new_tokens: int, batch_size: int, chat: bool = False
    ) -> list[str]:
        """Greedy answers; with `chat`, each prompt goes in as the user turn (as_user_turn)."""
        if chat:
            prompts = [as_user_turn(self.tokenizer, p) for p in prompts]
        outputs = []
        for start in range(0, len(prompts), batch_size):
            batch = self.tokenizer(
                prompts[start : start + batch_size],
                return_tensors="pt",
                padding=True,
                add_special_tokens=not chat,  # a chat template writes its own special tokens
            ).to(self.device)
            generated = model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=self.end_ids,
                pad_token_id=self.tokenizer.pad_token_id,
            )
            new_tokens = generated[:, batch["input_ids"].shape[1] :]
            outputs += self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return outputs

    def with_adapter(self, adapter_path: Path):
        from peft import PeftModel

        return PeftModel.from_pretrained(self.base, adapter_path).to(self.device).eval()


def generate_for_task(
    generator: BatchGenerator,
    adapter_path: Path | None,
    prompts: list[str],
    answers: list[str],
    models: list[str],
    batch_size: int = 50,
) -> dict[str, list[str]]:
    """Outputs by model; "finetuned" with the adapter at `adapter_path` (the one the task
    serves), left out when there is none."""
    budget = answer_budget(generator.tokenizer, answers)
    results = {}
    if "base" in models:
        results["base"] = generator.generate(generator.base, prompts, budget, batch_size, chat=True)
    if "finetuned" in models and adapter_path is not None:
        tuned = generator.with_adapter(adapter_path)
        results["finetuned"] = generator.generate(tuned, prompts, budget, batch_size)
        generator.base = tuned.unload()  # take the LoRA layers out again for the next task
    return results
