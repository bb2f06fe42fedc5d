"""The benchmark harness runs end to end and reports every scenario (no timing asserted)."""

import io
import json
from contextlib import redirect_stdout

from worker import bench


def test_bench_reports_each_scenario_as_json(demo_config, demo_settings):
    out = io.StringIO()
    with redirect_stdout(out):
        bench.main(["--users", "1,2", "--requests", "4", "--new-tokens", "4", "--json"])
    report = json.loads(out.getvalue())
    assert report["adapters"] == len(list(demo_config.adapter_dir.iterdir()))
    assert set(report["scenarios"]) == {"engine_1_users", "engine_2_users", "peft_sequential"}
    for row in report["scenarios"].values():
        assert row["tokens_per_s"] > 0 and row["requests"] >= 2
