"""`manage.py build_demo`: make the configured demo base and its adapters ready to serve.

SmolLM2-135M-Instruct (the default): fetch and convert the base once, install the shipped
adapters. `--train` retrains the shipped adapters (resumable). loraland-mini: build the tiny
base and its adapters from nothing (the test suite's and the CPU benchmark's model).
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.build import build_demo
from demo.smollm2 import NAME as SMOLLM2
from demo.specs import AdapterSpec, BaseSpec, DemoConfig

BASES = ("smollm2", "mini")


def configured_base() -> str:
    """smollm2 when LORALAND_BASE_MODEL is a SmolLM2 directory, else the tiny demo."""
    return "smollm2" if Path(settings.LORALAND_BASE_MODEL).name == SMOLLM2 else "mini"


class Command(BaseCommand):
    help = "Fetch/convert or build the demo base model and install or train one LoRA per task."

    def add_arguments(self, parser):
        parser.add_argument("--base", choices=BASES, default=None, help="default: the configured")
        parser.add_argument("--task", action="append", dest="tasks", help="only these tasks")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--train",
            action="store_true",
            help="smollm2: train the shipped adapters whose manifest does not match, in the "
            "repository (demo/adapters/), one at a time",
        )
        parser.add_argument("--device", default="cpu", help="--train on this torch device")
        parser.add_argument("--base-steps", type=int, default=BaseSpec.steps)
        parser.add_argument("--adapter-steps", type=int, default=None)
        parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
        parser.add_argument(
            "--no-catalog",
            action="store_true",
            help="leave the database alone (no load_tasks): a build for the benchmark only",
        )

    def handle(self, *args, base=None, tasks=None, no_catalog=False, **options):
        base = base or configured_base()
        tasks = tuple(tasks) if tasks else None
        if base == "smollm2":
            self.smollm2(tasks, **options)
        else:
            if options["train"]:
                raise CommandError("--train is for the smollm2 demo; mini always trains")
            self.mini(tasks, **options)
        if not no_catalog:
            call_command("load_tasks", stdout=self.stdout)

    def smollm2(self, tasks, *, seed, train, device, adapter_steps, force, **_):
        import dataclasses

        from demo import shipped
        from demo.smollm2 import ensure_converted

        base_dir = Path(settings.LORALAND_BASE_MODEL)
        ensure_converted(base_dir, Path(settings.LORALAND_DOWNLOAD_DIR))
        demo = shipped.ShippedDemo(
            base_dir=base_dir,
            data_dir=Path(settings.LORALAND_DATA_DIR),
            seed=seed,
            **({"tasks": tasks} if tasks else {}),
        )
        if adapter_steps:  # the same steps for every task
            demo = dataclasses.replace(
                demo,
                recipe=dataclasses.replace(demo.recipe, steps=adapter_steps),
                task_steps={},
            )
        if train:
            trained = shipped.train(demo, force=force, device=device)
            self.stdout.write(f"trained {len(trained)} adapters into {demo.shipped_dir}")
        else:
            shipped.task_data(demo)  # the splits evaluate reads
        copied = shipped.install(demo.shipped_dir, Path(settings.LORALAND_ADAPTER_DIR), demo.tasks)
        self.stdout.write(f"installed {copied} shipped adapters")

    def mini(self, tasks, *, seed, base_steps, adapter_steps, force, **_):
        config = DemoConfig(
            base_dir=Path(settings.LORALAND_BASE_MODEL),
            adapter_dir=Path(settings.LORALAND_ADAPTER_DIR),
            data_dir=Path(settings.LORALAND_DATA_DIR),
            seed=seed,
            base=BaseSpec(steps=base_steps),
            adapter=AdapterSpec(steps=adapter_steps or AdapterSpec.steps),
            **({"tasks": tasks} if tasks else {}),
        )
        build_demo(config, force=force)
