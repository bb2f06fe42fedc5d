"""`manage.py fetch_models [--base REPO|none] [--no-base] [--adapters all|none|SLUG,...]
[--revision REV]`: fetch the base model and the LoRA Land report's adapters from the Hugging Face
Hub, and serve the adapters (playground.hub does the work)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from playground import hub


class Command(BaseCommand):
    help = (
        "Fetch the base model and the LoRA Land report's LoRA adapters from the Hugging Face Hub "
        "into LORALAND_MODELS_DIR, and serve each fetched adapter that changed as a new version "
        "of its task's adapter (validated as an admin upload). The gated Mistral-7B base needs "
        "HF_TOKEN in the environment: a token of an account that accepted its terms on the Hub. "
        "Exits with status 1 when anything failed; the others are fetched all the same."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base",
            default=hub.BASE_REPO,
            metavar="REPO",
            help=f"the base model's hub id (default {hub.BASE_REPO}); none: skip it",
        )
        parser.add_argument("--no-base", action="store_true", help="do not fetch the base model")
        parser.add_argument(
            "--adapters",
            default="all",
            metavar="all|none|SLUG,...",
            help="the tasks whose adapters to fetch (default all; ids: demo/report_prompts.json)",
        )
        parser.add_argument(
            "--revision", default="main", help="branch, tag or commit, for every repository"
        )

    def handle(self, *args, base, no_base, adapters, revision, **options):
        base = None if no_base or base.strip().lower() == "none" else base.strip()
        try:
            sources = hub.adapter_sources(adapters)
            outcomes = hub.fetch_all(
                base=base, sources=sources, revision=revision, report=self.report
            )
        except hub.FetchError as exc:
            raise CommandError(str(exc)) from exc
        self.note_base_setting(base)
        self.stdout.write(f"summary: {hub.summary(outcomes)}")
        failures = [item.name for item in outcomes if item.failed]
        if failures:
            raise CommandError(f"{len(failures)} of {len(outcomes)} failed: {', '.join(failures)}")

    def report(self, outcome: hub.Outcome) -> None:
        (self.stderr if outcome.failed else self.stdout).write(outcome.line())

    def note_base_setting(self, base: str | None) -> None:
        """Adapters are validated against, and served on, LORALAND_BASE_MODEL, not the download."""
        if base is None:
            return
        fetched = hub.base_dir_for(base, Path(settings.LORALAND_MODELS_DIR)).resolve()
        if Path(settings.LORALAND_BASE_MODEL).resolve() != fetched:
            self.stdout.write(
                f"note: LORALAND_BASE_MODEL is {settings.LORALAND_BASE_MODEL}; set it to "
                f"{fetched} to serve the fetched base (adapters are checked against it)."
            )
