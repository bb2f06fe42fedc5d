"""The benchmark harness runs end to end and reports every scenario (no timing asserted)."""

import io
import json
from contextlib import redirect_stdout

from worker import bench


def test_bench_reports_each_scenario_as_json(demo_config):
    out = io.StringIO()
    with redirect_stdout(out):
        bench.main([
            "--base", str(demo_config.base_dir), "--adapters-dir", str(demo_config.adapter_dir),
            "--data-dir", str(demo_config.data_dir), "--users", "1,2", "--requests", "4",
            "--new-tokens", "4", "--json",
        ])  # fmt: skip
    report = json.loads(out.getvalue())
    assert report["adapters"] == len(list(demo_config.adapter_dir.iterdir()))
    assert set(report["scenarios"]) == {"engine_1_users", "engine_2_users", "peft_sequential"}
    for row in report["scenarios"].values():
        assert row["tokens_per_s"] > 0 and row["requests"] >= 2
