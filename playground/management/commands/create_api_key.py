"""`manage.py create_api_key --name NAME`: a key for the OpenAI-compatible API, printed once as
the last line (only its SHA-256 is stored), with limits of its own if given; `--revoke NAME`
refuses a key from now on."""

from django.core.management.base import BaseCommand, CommandError

from playground import services
from playground.errors import GenerationError


class Command(BaseCommand):
    help = "Make an API key for /v1/ (printed once, as the last line), or revoke one."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--name", help="a name to tell the key by (who or what uses it)")
        group.add_argument("--revoke", metavar="NAME", help="refuse this key from now on")
        limits = "(default: the site's LORALAND_API_%s; 0: no limit)"
        parser.add_argument("--requests-per-minute", type=int, help=limits % "REQUESTS_PER_MINUTE")
        parser.add_argument(
            "--max-concurrent",
            type=int,
            help="requests in flight at once " + limits % "MAX_CONCURRENT",
        )

    def handle(self, *args, name=None, revoke=None, **options):
        limits = {
            "requests_per_minute": options.get("requests_per_minute"),
            "max_concurrent": options.get("max_concurrent"),
        }
        if any(value is not None and value < 0 for value in limits.values()):
            raise CommandError("Limits are whole numbers, 0 or more.")
        try:
            if revoke:
                services.api_key_revoke(name=revoke)
                self.stdout.write(f"revoked the API key {revoke!r}")
                return
            row, key = services.api_key_create(name=name, **limits)
        except GenerationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"API key {row.name!r} made; it is shown once, here. Send it as")
        self.stdout.write("Authorization: Bearer <key>")
        self.stdout.write(key)
