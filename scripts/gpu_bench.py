"""`manage.py bench` without Django, for scripts/gpu_check.sh: a GPU box's stock image (torch,
transformers, peft) has no Django, and the benchmark (bench/) needs none.

    python scripts/gpu_bench.py OUT DEVICE [bench options]   # OUT: what random_model.py wrote
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402
from worker.engine import EngineConfig  # noqa: E402

STREAM_INTERVAL_MS = 50  # LORALAND_STREAM_INTERVAL_MS's default, as the Celery task reads


def main(argv: list[str]) -> None:
    out, device = Path(argv[0]), argv[1]
    parser = argparse.ArgumentParser(prog="gpu_bench.py OUT DEVICE")
    bench.add_arguments(parser, STREAM_INTERVAL_MS)
    config = EngineConfig(
        base_model=str(out / "model"),
        adapter_dir=str(out / "adapters"),
        device=device,
        dtype="bfloat16",
    )
    adapters = bench.adapters_in(out / "adapters")
    print(bench.run(parser.parse_args(argv[2:]), config, out / "data", adapters))


if __name__ == "__main__":
    main(sys.argv[1:])
