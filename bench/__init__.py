"""Throughput and latency of the engine against PEFT: `make bench` / `manage.py bench`.

Closed-loop users: each sends a request (a task prompt of the test split, grown to about
--prompt-tokens, 100, with the task's other prompts before it), waits for the whole answer
(exactly --new-tokens tokens), then sends the next.
Scenarios: 1, 8, 32 and 100 users over 1 adapter, 25 adapters picked uniformly, and 25 with
skewed (Zipf) popularity. Baselines in the same run: (a) PEFT `set_adapter` + `generate`, one
request at a time; (b) PEFT mixed-batch `generate(adapter_names=...)` in static batches; (c)
our engine on the base model with no LoRA, the limit. Prints a table, or one JSON document
with --json, and draws a PNG. Compare ratios inside one run: these machines are shared and
noisy.

Django-free: it takes an explicit {adapter: task} list (`manage.py bench` asks the catalog;
scripts/gpu_bench.py, on a GPU box with no Django, names its own random adapters).
Modules: workload (who asks for what), engine_runs (our engine), baselines (PEFT), memory,
samples (what is measured), report (rounds, ratios, table, plot), cli (options, `run`).
"""

from .cli import add_arguments, run
from .workload import adapters_in

__all__ = ["add_arguments", "adapters_in", "run"]
