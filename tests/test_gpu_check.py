"""scripts/gpu_check.sh's whole path (random Mistral-shaped model in bf16, random adapters,
the benchmark) at a toy size on the CPU, so that the first run on a GPU meets no surprise."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def toy_check_env(out: Path, **more: str) -> dict:
    """gpu_check.sh's environment for a toy-size run on the CPU, writing to `out`."""
    return {
        **os.environ,
        "PYTHON": sys.executable,
        "OUT": str(out),
        "DEVICE": "cpu",
        "SHAPE": "tiny",
        **more,
    }


def test_the_gpu_check_runs_end_to_end_in_bf16_at_a_toy_size(tmp_path):
    # a busy machine must not cut the steps short; the fixed-shape step eagerly (no CUDA here)
    env = toy_check_env(tmp_path, STEPS_TIMEOUT="600", DECODE_GRAPH="static")
    quick = ["--users", "1,4", "--baseline-users", "4", "--min-requests", "2", "--new-tokens", "4"]
    subprocess.run(
        ["bash", "scripts/gpu_check.sh", *quick], cwd=ROOT, env=env, check=True, timeout=600
    )
    report = json.loads((tmp_path / "bench.json").read_text())
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config.get("dtype", config.get("torch_dtype")) == "bfloat16"
    assert len(list((tmp_path / "adapters").iterdir())) == 25
    systems = {row["system"] for row in report["scenarios"] if row["tokens_per_s"] > 0}
    assert systems == {"engine", "engine_base", "peft_sequential", "peft_mixed"}
    # one request a user (--requests-per-user 1), at least --min-requests 2
    engine = [row for row in report["scenarios"] if row["system"] == "engine"]
    assert {(row["users"], row["requests"]) for row in engine} == {(1, 2), (4, 4)}
    assert (tmp_path / "bench.png").stat().st_size > 0
    # the decode-step benchmark: every path at every batch size, eagerly and through the
    # fixed-shape step, each against its own base alone
    report = json.loads((tmp_path / "steps.json").read_text())
    assert report["rms_norm_equals_the_module"]  # on the CPU, in bf16
    assert report["graph"] == "static" and report["graph_error"] is None
    steps = report["steps"]
    paths = ("base", "1 adapter", "uniform", "skewed")
    assert {(s["rows"], s["path"]) for s in steps} == {
        (rows, prefix + path)
        for rows in (1, 32, 100)
        for path in paths
        for prefix in ("", "graph ")
    }
    by_path = {(s["rows"], s["path"]): s for s in steps}
    assert by_path[(32, "uniform")]["adapters"] == 25 and by_path[(32, "base")]["adapters"] == 0
    assert by_path[(100, "uniform")]["grouped"]  # 4 rows per adapter: read once each
    assert not by_path[(32, "uniform")]["grouped"]
    assert all(s["ms_per_step"] > 0 and len(s["ms_runs"]) == 3 for s in steps)
    for rows in (1, 32, 100):  # LoRA runs ops of its own: a few per layer
        base_ops = by_path[(rows, "base")]["ops"]
        assert all(by_path[(rows, path)]["ops"] > base_ops for path in ("1 adapter", "uniform"))
    assert "Self CPU" in (tmp_path / "steps-profile.txt").read_text()  # the profiler's table
    # the engine's logits against PEFT's, in bf16, across a 128-position window
    agreement = json.loads((tmp_path / "agreement.json").read_text())
    assert agreement["window"] == 128 and agreement["dtype"] == "bfloat16"
    assert [row["adapter"] for row in agreement["rows"]][0] == "(base)"
    assert len({row["adapter"] for row in agreement["rows"]}) == 8
    # where the minutes went: each part's end, in seconds from the start, in order
    timings = (tmp_path / "timings.txt").read_text().splitlines()
    parts = ["model and adapters built", "agreement checked", "decode steps timed", "benchmark run"]
    assert [line.split(": ")[1].split(" after ")[0] for line in timings] == parts
    seconds = [int(line.split(" after ")[1].removesuffix(" s")) for line in timings]
    assert seconds == sorted(seconds)


def test_the_benchmark_still_runs_when_the_decode_steps_run_out_of_time(tmp_path):
    quick = ["--users", "1", "--baseline-users", "", "--min-requests", "1", "--new-tokens", "2"]
    done = subprocess.run(
        ["bash", "scripts/gpu_check.sh", *quick],
        cwd=ROOT,
        # too short to load the model; without the agreement check, which is not what is tested
        env=toy_check_env(tmp_path, STEPS_TIMEOUT="0.1", PARTS="steps bench"),
        check=True,
        timeout=600,
        capture_output=True,
        text=True,
    )
    assert "decode_steps.py failed or timed out" in done.stderr
    report = json.loads((tmp_path / "bench.json").read_text())
    assert {row["system"] for row in report["scenarios"]} == {"engine", "engine_base"}
    assert "benchmark run" in (tmp_path / "timings.txt").read_text()
