"""The benchmark's options and entry point, for `manage.py bench` and scripts/gpu_bench.py."""

import json
from dataclasses import replace
from pathlib import Path

from .memory import run_memory_check
from .report import draw, format_table, ratios, run_all
from .workload import held_out_prompts, lengthen, load_prompts


def int_list(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part})


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def add_arguments(parser, stream_interval_ms: int) -> None:
    """The command's options; users read their stream every `stream_interval_ms` by default
    (the caller passes LORALAND_STREAM_INTERVAL_MS: this module reads no settings)."""
    parser.add_argument("--users", type=int_list, default=[1, 8, 32, 100])
    parser.add_argument("--baseline-users", type=int_list, default=[1, 32])
    parser.add_argument("--min-requests", type=int, default=8)
    parser.add_argument(
        "--requests-per-user",
        type=positive_int,
        default=2,
        help="a scenario serves the larger of --min-requests and this many requests per user "
        "(1: each user sends one, and throughput is that of the first wave)",
    )
    parser.add_argument(
        "--baseline-requests",
        type=positive_int,
        help="requests per PEFT scenario (default: as the engine's, the larger of "
        "--min-requests and --requests-per-user per user); mixed batches serve whole batches, "
        "so may serve more, and with fewer requests than users only the first users' TTFT is "
        "measured",
    )
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument(
        "--prompt-tokens",
        type=non_negative_int,
        default=100,
        help="each task prompt grown to about this many tokens with the task's other prompts "
        "before it (0: the task prompts as they are, 32 to 102 tokens)",
    )
    parser.add_argument(
        "--read-every-ms",
        type=int,
        default=stream_interval_ms,
        help="users read their stream this often, as the Celery task does "
        "(LORALAND_STREAM_INTERVAL_MS, default %(default)s; 0: on every token, which costs "
        "the engine thread a wake-up of a reader per token); the answer's end wakes them at once",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="rounds of every scenario; figures are medians",
    )
    parser.add_argument("--adapters", type=int, default=25, help="how many adapters to use")
    parser.add_argument("--plot", type=Path, default=Path("var/bench.png"))
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument(
        "--memory",
        type=int,
        metavar="REQUESTS",
        help="instead: RSS with 500 adapters registered and --adapters resident over REQUESTS",
    )


def run(args, config, data_dir: Path, adapters: dict[str, str]) -> str:
    """Run what `args` asks for on `config` (an EngineConfig) with `adapters` ({adapter name
    under config.adapter_dir: its task's slug under data_dir}, the first --adapters of them);
    return what to print."""
    adapters = dict(list(adapters.items())[: args.adapters])
    if not adapters:
        raise ValueError("No adapter to benchmark: no task has a served adapter and test data.")
    prompts = load_prompts(data_dir, adapters)
    if args.memory:  # sends its own short prompts: only the adapters' names count
        return json.dumps(run_memory_check(config, list(prompts), 500, args.memory), indent=2)
    if args.prompt_tokens:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
        prompts = lengthen(prompts, tokenizer, args.prompt_tokens)
    config = replace(config, max_batch=max([*args.users, config.max_batch]))
    rows = run_all(args, config, prompts, held_out_prompts(data_dir, adapters))
    report = {
        "new_tokens": args.new_tokens,
        "repeats": args.repeats,
        "scenarios": rows,
        **ratios(rows, len(prompts)),
    }
    draw(rows, args.plot)
    report["plot"] = str(args.plot)
    return json.dumps(report, indent=2) if args.as_json else format_table(report)
