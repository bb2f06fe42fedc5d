"""The benchmark harness runs end to end and reports every scenario (no timing asserted)."""

import io
import json
import shutil
import statistics

import pytest
from django.core.management import call_command


def test_bench_reports_every_system_and_scenario_as_json(demo_config, catalog, tmp_path):
    out = io.StringIO()
    plot = tmp_path / "bench.png"
    argv = ["--users", "1,32", "--baseline-users", "32", "--min-requests", "2", "--repeats", "2"]
    call_command("bench", *argv, "--new-tokens", "3", "--plot", str(plot), "--json", stdout=out)
    report = json.loads(out.getvalue())  # stdout holds the JSON document and nothing else
    systems = {(row["system"], row["users"]) for row in report["scenarios"]}
    assert systems == {
        ("engine", 1),
        ("engine", 32),
        ("engine_base", 1),
        ("engine_base", 32),
        ("peft_sequential", 32),
        ("peft_mixed", 32),
    }
    adapters = len(list(demo_config.adapter_dir.iterdir()))
    labels = {row["adapters"] for row in report["scenarios"] if row["system"] == "engine"}
    assert labels == {"1 adapter", f"{adapters} uniform", f"{adapters} skewed"}
    assert report["repeats"] == 2
    for row in report["scenarios"]:
        runs = row["tokens_per_s_runs"]  # one per round; the row holds their median
        assert len(runs) == 2 and min(runs) <= row["tokens_per_s"] <= max(runs)
        assert row["tokens_per_s"] > 0 and row["requests"] >= 4
        assert row["ttft_ms_p50"] <= row["ttft_ms_p95"]
        assert row["peak_rss_mb"] > 0
    for name in ("vs_peft_sequential", "vs_peft_mixed", "vs_base"):
        assert report["ratios"][name] > 0
        rounds = report["ratio_rounds"][name]  # each round's, for pooling several runs
        assert len(rounds) == 2
        assert report["ratios"][name] == pytest.approx(statistics.median(rounds), abs=0.006)

    def runs_at_32(system: str, label: str) -> list[float]:
        for row in report["scenarios"]:
            if (row["system"], row["users"], row["adapters"]) == (system, 32, label):
                return row["tokens_per_s_runs"]
        raise AssertionError(f"no {system} {label} row at 32 users")

    ours, base = runs_at_32("engine", f"{adapters} uniform"), runs_at_32("engine_base", "no LoRA")
    rounds = [round(a / b, 3) for a, b in zip(ours, base, strict=True)]
    assert report["ratio_rounds"]["vs_base"] == rounds
    assert report["scaling_100_vs_1"] is None  # no 100-user run was asked for
    assert report["ratio_rounds"]["scaling_100_vs_1"] is None
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_baseline_requests_caps_what_peft_serves_one_at_a_time(demo_config, catalog, tmp_path):
    out = io.StringIO()
    argv = ["--users", "1", "--baseline-users", "4", "--baseline-requests", "3", "--repeats", "1"]
    argv += ["--new-tokens", "2", "--adapters", "2", "--plot", str(tmp_path / "bench.png")]
    call_command("bench", *argv, "--json", stdout=out)
    served = {row["system"]: row["requests"] for row in json.loads(out.getvalue())["scenarios"]}
    assert served["peft_sequential"] == 3
    assert served["peft_mixed"] == 4  # the 4 users ready at once make one whole batch
    assert served["engine"] == 8  # the engine's own count: --min-requests 8


def test_requests_per_user_sizes_each_scenario_above_min_requests(demo_config, catalog, tmp_path):
    out = io.StringIO()
    argv = ["--users", "1,4", "--baseline-users", "", "--min-requests", "5", "--repeats", "1"]
    argv += ["--requests-per-user", "3", "--new-tokens", "2", "--adapters", "2"]
    call_command("bench", *argv, "--plot", str(tmp_path / "bench.png"), "--json", stdout=out)
    rows = json.loads(out.getvalue())["scenarios"]
    # 1 user: --min-requests wins (5 > 3); 4 users: 3 each
    assert {(row["users"], row["requests"]) for row in rows} == {(1, 5), (4, 12)}


def test_the_memory_check_cycles_through_more_adapters_than_fit(demo_config, catalog):
    out = io.StringIO()
    call_command("bench", "--memory", "48", "--adapters", "2", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["registered"], report["resident"], report["requests"]) == (500, 2, 48)
    assert report["resident_adapters_mb"] > 0
    assert {"rss_above_base_mb", "overhead_ratio", "rss_growth_mb"} <= set(report)
    assert report["adapter_rows_mb"] == report["resident_adapters_mb"]  # no spare row
    assert report["extra_rows_mb"] == 0.0  # each batch asks for distinct adapters: no copies


def test_after_uploads_the_benchmark_runs_the_adapter_each_task_serves(
    demo_config, catalog, settings, tmp_path
):
    """The catalog says which adapters run, never a listing of the adapter folder, which
    holds older versions, uploads for tasks with no test data and the uploads' staging folder."""
    from playground import selectors, services
    from playground.models import Task

    from .peft_adapters import CONFIG_FILE, WEIGHTS_FILE, save_peft_adapter
    from .test_adapter_upload import new_task, two_files

    adapter_dir = tmp_path / "adapters"
    shutil.copytree(demo_config.adapter_dir, adapter_dir)
    settings.LORALAND_ADAPTER_DIR = str(adapter_dir)
    made = save_peft_adapter(demo_config.base_dir, tmp_path / "peft", seed=3)
    sst2 = Task.objects.get(slug="glue_sst2")
    served = services.adapter_upload(files=two_files(made), task=sst2)  # a new version
    services.adapter_upload(files=two_files(made), new_task=new_task())  # no test data
    assert (adapter_dir / ".incoming").is_dir() and (adapter_dir / served.name).is_dir()
    assert (adapter_dir / served.name / CONFIG_FILE).exists()
    assert (adapter_dir / served.name / WEIGHTS_FILE).exists()
    assert selectors.served_adapters()[served.name] == "glue_sst2"

    out, err = io.StringIO(), io.StringIO()
    argv = ["--users", "1", "--baseline-users", "", "--min-requests", "2", "--repeats", "1"]
    argv += ["--new-tokens", "2", "--plot", str(tmp_path / "bench.png"), "--json"]
    call_command("bench", *argv, stdout=out, stderr=err)
    rows = json.loads(out.getvalue())["scenarios"]
    served = len(demo_config.tasks)  # one per demo task, glue_sst2's the uploaded one
    assert {row["adapters"] for row in rows if row["system"] == "engine"} == {
        "1 adapter", f"{served} uniform", f"{served} skewed"
    }  # fmt: skip
    assert "movie_reviews" in err.getvalue()  # left out, and said so


def test_the_base_model_answers_the_same_mix_of_task_prompts_as_the_adapters():
    import random

    from bench.workload import Workload

    prompts = {"a": ["prompt of a"], "b": ["prompt of b"], "c": ["prompt of c"]}
    base_only = Workload(prompts, [None], "uniform", users=1, requests=1, new_tokens=1)
    rng = random.Random(0)
    picked = {base_only.pick(rng) for _ in range(200)}
    assert picked == {(None, "prompt of a"), (None, "prompt of b"), (None, "prompt of c")}


def test_prompts_are_grown_to_about_100_tokens_each_ending_with_its_own_task_prompt(
    demo_config,
):
    from transformers import AutoTokenizer

    from bench.workload import lengthen, load_prompts

    tokenizer = AutoTokenizer.from_pretrained(demo_config.base_dir, local_files_only=True)
    tasks = ["glue_sst2", "gsm8k"]
    prompts = load_prompts(demo_config.data_dir, {task: task for task in tasks}, per_task=4)
    grown = lengthen(prompts, tokenizer, 100)
    assert set(grown) == set(tasks)
    for task in tasks:
        assert len(grown[task]) == len(prompts[task])
        for short, long in zip(prompts[task], grown[task], strict=True):
            assert 99 <= len(tokenizer(long)["input_ids"]) <= 102  # the BOS, a merge or two
            assert long.endswith(short.strip()) and long != short
            assert len(tokenizer(short)["input_ids"]) < 100
    long_enough = " ".join(prompts["gsm8k"])  # well over 100 tokens: left as it is
    assert lengthen({"gsm8k": [long_enough]}, tokenizer, 100) == {"gsm8k": [long_enough]}


def test_throughput_counts_the_tokens_emitted_while_every_user_was_there():
    from bench.engine_runs import busy_window

    emitted = [(0.5, 1), (1.0, 2), (2.0, 3), (3.5, 4)]  # (time, tokens) of each token event
    # The last user came at 1.0, the first one left at 3.0: the drain after it does not count.
    assert busy_window(emitted, first_sent=[0.0, 1.0], left=[3.0, 4.0]) == (5, 2.0)
    # One user left before another came (fewer requests than users): the whole run counts.
    assert busy_window(emitted, first_sent=[0.0, 2.5], left=[2.0, 4.0]) == (10, 3.5)
    # No token at all (every answer an EOS, or none asked for): an empty window, not a crash.
    assert busy_window([], first_sent=[0.0, 2.5], left=[2.0, 4.0]) == (0, 0.0)


def test_a_stream_is_timed_from_the_engine_s_first_token_even_without_text():
    from types import SimpleNamespace

    from bench.engine_runs import stream_one
    from worker.engine import DoneEvent, GenerationRequest, TokenEvent
    from worker.engine.engine import RequestHandle

    handle = RequestHandle(GenerationRequest(prompt="x"))
    start = handle.submitted_at
    # The first token (an EOS: no text) came at +10 ms and shows only with the next, at +16.
    handle.put(TokenEvent("a", at=start + 0.016, tokens=2))
    handle.put(TokenEvent("b", at=start + 0.020))
    handle.put(DoneEvent("ab", "length", 3, 4, ttft_ms=10.0, tokens_per_s=1.0))  # 1 more EOS
    ttft, gaps, stamps = stream_one(SimpleNamespace(submit=lambda request: handle), handle.request)
    assert ttft == 10.0  # not the 16 ms of the first text
    assert gaps == pytest.approx([6.0, 4.0])
    assert sum(tokens for _, tokens in stamps) == 4  # every generated token is counted


def test_the_warm_up_caches_each_task_s_template_with_a_prompt_no_user_sends(demo_config):
    from bench.engine_runs import warm_engine
    from bench.workload import held_out_prompts, load_prompts
    from worker.engine import EngineConfig, GenerationRequest, SamplingParams

    tasks = ["e2e_nlg", "webnlg"]
    adapters = {task: task for task in tasks}  # each adapter is named after its task
    measured = load_prompts(demo_config.data_dir, adapters)
    held_out = held_out_prompts(demo_config.data_dir, adapters)
    assert all(held_out[task] not in measured[task] for task in tasks)
    config = EngineConfig(str(demo_config.base_dir), str(demo_config.adapter_dir), max_batch=4)
    engine = warm_engine(config, tasks, held_out)
    try:
        # each adapter, and the base, find their task's template cached at once
        params = SamplingParams(max_new_tokens=1)
        for task in tasks:
            for adapter in (task, None):
                done = engine.generate(GenerationRequest(measured[task][0], adapter, params))
                assert done.cached_tokens > 0, (task, adapter)
    finally:
        engine.close()
