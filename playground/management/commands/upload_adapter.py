"""`manage.py upload_adapter PATH... --task SLUG [--name NAME]`: what the admin's upload form
does, from a shell (services.adapter_upload)."""

from contextlib import ExitStack
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from playground import services
from playground.adapter_archive import PICKLE_SUFFIXES
from playground.adapter_limits import AdapterRejected
from playground.models import Task
from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE

NBSP = "\xa0"  # filesizeformat's, between number and unit: a plain space in a terminal


class Command(BaseCommand):
    help = (
        "Validate a PEFT LoRA adapter and store it as the next version of a task's adapter; "
        "the task serves it at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help=f"the adapter's folder, a .zip/.tar.gz of it, or {CONFIG_FILE} and {WEIGHTS_FILE}",
        )
        parser.add_argument("--task", required=True, help="slug of the task it serves")
        parser.add_argument(
            "--name", help="the adapter's name (default: the task's current one, or its slug)"
        )

    def handle(self, *args, paths, task, name, **options):
        task_row = Task.objects.filter(slug=task).first()
        if task_row is None:
            raise CommandError(f"UNKNOWN_TASK: there is no task {task!r} (see the admin's list).")
        with ExitStack() as stack:
            files = [stack.enter_context(open_upload(path)) for path in upload_paths(paths)]
            try:
                adapter = services.adapter_upload(files=files, task=task_row, family=name)
            except AdapterRejected as exc:
                raise CommandError(str(exc)) from exc  # "CODE: message", exit status 1
        for warning in adapter.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(adapter_summary(adapter))


def upload_paths(paths: list[str]) -> list[Path]:
    """The files to upload; a folder gives its adapter files only (a trainer's folder also
    holds pickles such as training_args.bin, which the validator would refuse unread)."""
    found = [Path(p) for p in paths]
    for path in found:
        if not path.exists():
            raise CommandError(f"NOT_FOUND: {path} does not exist.")
    if len(found) == 1 and found[0].is_dir():
        return adapter_files_in(found[0])
    return found


def adapter_files_in(folder: Path) -> list[Path]:
    files = [folder / name for name in (CONFIG_FILE, WEIGHTS_FILE) if (folder / name).is_file()]
    if not (folder / WEIGHTS_FILE).is_file():
        # adapter_model.bin and the like: uploaded so that the refusal says how to convert it.
        files += [f for f in sorted(folder.glob("adapter_model.*")) if is_pickle(f)]
    if not files:
        raise CommandError(
            f"MISSING_CONFIG: {folder} holds neither {CONFIG_FILE} nor {WEIGHTS_FILE}."
        )
    return files


def is_pickle(path: Path) -> bool:
    return path.name.lower().endswith(PICKLE_SUFFIXES)


def open_upload(path: Path) -> File:
    return File(path.open("rb"), name=path.name)


def adapter_summary(adapter) -> str:
    return (
        f"uploaded {adapter.name} for {adapter.task.slug}: rank {adapter.rank}, "
        f"alpha {adapter.alpha:g}, {', '.join(adapter.target_modules)}, "
        f"{filesizeformat(adapter.size_bytes).replace(NBSP, ' ')}, now served"
    )
