"""`manage.py bench`: the engine against PEFT on the configured model (worker/bench.py)."""

import argparse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from worker import bench
from worker.runtime import engine_config


class Command(BaseCommand):
    help = bench.__doc__.splitlines()[0]

    def add_arguments(self, parser):
        bench.add_arguments(parser, settings.LORALAND_STREAM_INTERVAL_MS)

    def handle(self, *args, **options):
        report = bench.run(
            argparse.Namespace(**options), engine_config(), Path(settings.LORALAND_DATA_DIR)
        )
        self.stdout.write(report)
