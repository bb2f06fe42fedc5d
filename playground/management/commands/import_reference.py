"""`manage.py import_reference FILE.jsonl`: store reference answers computed elsewhere."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from playground import services


class Command(BaseCommand):
    help = (
        "Import reference model answers (e.g. GPT-4's), one JSON object per line: "
        '{"task": slug, "inputs": {field: text} or "prompt": text, "output": text, '
        '"model": name}. Every line is checked first; one bad line and nothing is imported.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a JSON Lines file")

    def handle(self, *args, file: Path, **options):
        try:
            # Not splitlines(): it also splits at U+2028 and others, which JSON text may hold.
            lines = file.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            count = services.reference_outputs_import(lines=lines)
        except services.ReferenceImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(
                f"{len(exc.problems)} bad line(s) in {file}; nothing was imported"
            ) from None
        self.stdout.write(f"imported {count} reference answer(s) from {file}")
