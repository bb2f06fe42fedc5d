"""`manage.py bench`: the engine against PEFT on the configured model (bench/), over
the adapter each task of the catalog serves."""

import argparse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import bench
from playground import selectors
from playground.tasks import engine_config


class Command(BaseCommand):
    help = bench.__doc__.splitlines()[0]

    def add_arguments(self, parser):
        bench.add_arguments(parser, settings.LORALAND_STREAM_INTERVAL_MS)

    def handle(self, *args, **options):
        data_dir = Path(settings.LORALAND_DATA_DIR)
        adapters, untested = {}, []
        for name, slug in selectors.served_adapters().items():
            if (data_dir / slug / "test.jsonl").exists():
                adapters[name] = slug
            else:  # e.g. an uploaded adapter for a new task: no test prompts to send
                untested.append(slug)
        if untested:
            self.stderr.write(f"left out (no test data under {data_dir}): {', '.join(untested)}")
        if not adapters:
            raise CommandError("No task has both a served adapter and test data: run load_tasks.")
        report = bench.run(argparse.Namespace(**options), engine_config(), data_dir, adapters)
        self.stdout.write(report)
