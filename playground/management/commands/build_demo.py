from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from demo.build import AdapterSpec, BaseSpec, DemoConfig, build_demo


class Command(BaseCommand):
    help = "Build the demo base model, task data and one LoRA adapter per task (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--task", action="append", dest="tasks", help="only these tasks")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--base-steps", type=int, default=BaseSpec.steps)
        parser.add_argument("--adapter-steps", type=int, default=AdapterSpec.steps)
        parser.add_argument("--force", action="store_true", help="rebuild even if up to date")

    def handle(
        self, *args, tasks=None, seed=0, base_steps=0, adapter_steps=0, force=False, **options
    ):
        config = DemoConfig(
            base_dir=Path(settings.LORALAND_BASE_MODEL),
            adapter_dir=Path(settings.LORALAND_ADAPTER_DIR),
            data_dir=Path(settings.LORALAND_DATA_DIR),
            seed=seed,
            base=BaseSpec(steps=base_steps),
            adapter=AdapterSpec(steps=adapter_steps),
            **({"tasks": tuple(tasks)} if tasks else {}),
        )
        build_demo(config, force=force)
        call_command("load_tasks", stdout=self.stdout)
