"""Who asks for what: closed-loop users' workload, the task prompts they send, the scenarios."""

import json
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Workload:
    prompts: dict[str, list[str]]  # adapter -> prompts
    adapters: list[str | None]  # what users ask for; None is the base model
    popularity: str  # uniform | skewed
    users: int
    requests: int
    new_tokens: int
    # Users read their stream this often (0: on every token); the answer's end wakes them at
    # once. Latencies come from the engine's own timestamps, so reading late does not skew them.
    read_every_s: float = 0.0

    def pick(self, rng: random.Random) -> tuple[str | None, str]:
        if self.popularity == "skewed":
            adapter = rng.choices(self.adapters, zipf_weights(len(self.adapters)))[0]
        else:
            adapter = rng.choice(self.adapters)
        # The base model answers the same mix of task prompts as the adapters do: prompt
        # lengths differ by task (32 to 102 tokens), and so does the cost of a request.
        task = adapter or rng.choice(list(self.prompts))
        return adapter, rng.choice(self.prompts[task])


def zipf_weights(count: int) -> list[float]:
    """Skewed popularity (Zipf): the i-th of `count` is asked for ~1/(i+1) as often."""
    return [1 / (rank + 1) for rank in range(count)]


def load_prompts(
    data_dir: Path, adapters: dict[str, str], per_task: int = 8, skip: int = 0
) -> dict[str, list[str]]:
    """{adapter: its task's test prompts skip..skip+per_task-1}, for {adapter: task slug}."""
    prompts = {}
    for name, slug in adapters.items():
        lines = (data_dir / slug / "test.jsonl").read_text().splitlines()[skip : skip + per_task]
        prompts[name] = [json.loads(line)["prompt"] for line in lines]
    return prompts


def adapters_in(adapter_dir: Path) -> dict[str, str]:
    """{name: task} for a folder that holds one adapter per task, named by its slug (what
    scripts/random_model.py writes); `manage.py bench` asks the catalog instead."""
    return {p.name: p.name for p in sorted(Path(adapter_dir).iterdir()) if p.is_dir()}


def held_out_prompts(data_dir: Path, adapters: dict[str, str], per_task: int = 8) -> dict[str, str]:
    """A prompt of each task that the measured users never send (the one after theirs): what
    an earlier visitor asked, so that the warm-up leaves the task's template in the prefix
    cache, as a serving engine holds the templates of the tasks it serves, and no measured
    prompt."""
    held_out = load_prompts(data_dir, adapters, 1, per_task)
    return {slug: some[0] for slug, some in held_out.items() if some}


def lengthen(prompts: dict[str, list[str]], tokenizer, tokens: int) -> dict[str, list[str]]:
    """Each prompt grown to about `tokens` tokens (issue 4 asks for ~100; the task prompts
    have 32 to 102): the task's other test prompts go before it, as few-shot examples would,
    and the front is cut off, so each ends with its own task prompt, in that task's format.
    A prompt that is that long already stays as it is."""

    def grown(task_prompts: list[str], index: int) -> str:
        text, before = task_prompts[index], index
        while len(tokenizer(text)["input_ids"]) < tokens:
            before = (before - 1) % len(task_prompts)
            text = f"{task_prompts[before]}\n\n{text}"
        if text == task_prompts[index]:
            return text  # long enough as it is
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][-tokens:]
        return tokenizer.decode(ids)

    return {task: [grown(some, i) for i in range(len(some))] for task, some in prompts.items()}


def scenarios(adapters: list[str], users: list[int], baseline_users: list[int]):
    """(system, label, users, adapters asked for, popularity) for every measured run."""
    for count in users:
        yield "engine", "1 adapter", count, adapters[:1], "uniform"
        yield "engine", f"{len(adapters)} uniform", count, adapters, "uniform"
        yield "engine", f"{len(adapters)} skewed", count, adapters, "skewed"
        yield "engine_base", "no LoRA", count, [None], "uniform"
    for count in baseline_users:
        yield "peft_sequential", f"{len(adapters)} uniform", count, adapters, "uniform"
        yield "peft_mixed", f"{len(adapters)} uniform", count, adapters, "uniform"
