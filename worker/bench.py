"""Throughput benchmark of the engine against PEFT: `make bench` / `python -m worker.bench`.

Closed-loop users: each sends a request, waits for the whole answer, sends the next. Prints a
table, and with --json one JSON document. Compare ratios inside one run: these machines are
shared and noisy. (Issue 4 extends this: 32/100 users, skewed popularity, a plot.)
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import torch

from worker.engine import Engine, EngineConfig, GenerationRequest, SamplingParams


def setup_django() -> None:
    import django
    from django.apps import apps

    if not apps.ready:  # run as `python -m worker.bench`, not inside the test suite
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loraland_site.settings")
        django.setup()


def load_prompts(data_dir: Path, adapters: list[str], per_task: int) -> list[tuple[str, str]]:
    prompts = []
    for slug in adapters:
        lines = (data_dir / slug / "test.jsonl").read_text().splitlines()[:per_task]
        prompts += [(slug, json.loads(line)["prompt"]) for line in lines]
    return prompts


def run_engine(engine: Engine, prompts, users: int, requests: int, new_tokens: int) -> dict:
    """`users` threads share `requests` requests; returns tokens/s and latency figures."""
    queue = list(range(requests))
    lock, ttfts, tokens = threading.Lock(), [], [0]
    params = SamplingParams(max_new_tokens=new_tokens)

    def user(seed: int):
        rng = random.Random(seed)
        while True:
            with lock:
                if not queue:
                    return
                queue.pop()
            slug, prompt = rng.choice(prompts)
            done = engine.generate(GenerationRequest(prompt=prompt, adapter=slug, params=params))
            with lock:
                tokens[0] += done.completion_tokens
                ttfts.append(done.ttft_ms or 0.0)

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return summarise(tokens[0], elapsed, ttfts)


def run_peft_sequential(config: EngineConfig, prompts, requests: int, new_tokens: int) -> dict:
    """Baseline: PEFT with every adapter loaded, `set_adapter` + `generate`, one at a time."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
    slugs = sorted({slug for slug, _ in prompts})
    model = AutoModelForCausalLM.from_pretrained(config.base_model, local_files_only=True)
    model = PeftModel.from_pretrained(model, Path(config.adapter_dir) / slugs[0], slugs[0])
    for slug in slugs[1:]:
        model.load_adapter(Path(config.adapter_dir) / slug, adapter_name=slug)
    model.eval()
    rng, total, ttfts = random.Random(0), 0, []
    started = time.perf_counter()
    for _ in range(requests):
        slug, prompt = rng.choice(prompts)
        model.set_adapter(slug)
        ids = tokenizer(prompt, return_tensors="pt")
        begun = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                **ids,
                max_new_tokens=new_tokens,
                do_sample=False,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
        total += out.shape[1] - ids["input_ids"].shape[1]
        ttfts.append((time.perf_counter() - begun) * 1000)  # no streaming: the whole answer
    return summarise(total, time.perf_counter() - started, ttfts)


def summarise(tokens: int, elapsed: float, ttfts: list[float]) -> dict:
    ordered = sorted(ttfts)
    return {
        "tokens_per_s": round(tokens / elapsed, 1),
        "ttft_ms_p50": round(statistics.median(ordered), 1),
        "ttft_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "requests": len(ttfts),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,8")
    parser.add_argument("--requests", type=int, default=48)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--json", action="store_true", dest="as_json")
    args = parser.parse_args(argv)

    setup_django()  # the model, adapters and data come from the site's settings
    from django.conf import settings

    from worker.runtime import engine_config

    config = engine_config()
    adapters = sorted(p.name for p in Path(config.adapter_dir).iterdir() if p.is_dir())
    prompts = load_prompts(Path(settings.LORALAND_DATA_DIR), adapters, per_task=4)
    engine = Engine(config)
    results = {}
    for users in [int(u) for u in args.users.split(",")]:
        results[f"engine_{users}_users"] = run_engine(
            engine, prompts, users, args.requests, args.new_tokens
        )
    results["peft_sequential"] = run_peft_sequential(
        config, prompts, args.requests // 2, args.new_tokens
    )
    report = {"adapters": len(adapters), "new_tokens": args.new_tokens, "scenarios": results}
    if args.as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    print(f"{len(adapters)} adapters, {args.new_tokens} new tokens, closed-loop users")
    print(f"{'scenario':<22}{'tokens/s':>10}{'TTFT p50 ms':>13}{'TTFT p95 ms':>13}")
    for name, row in results.items():
        print(
            f"{name:<22}{row['tokens_per_s']:>10}{row['ttft_ms_p50']:>13}{row['ttft_ms_p95']:>13}"
        )


if __name__ == "__main__":
    main()
