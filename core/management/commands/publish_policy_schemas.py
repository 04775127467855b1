from django.core.management.base import BaseCommand, CommandError

from core import policy_files


class Command(BaseCommand):
    help = "Write the JSON Schema of every registered policy kind to docs/schemas/ (--check: fail if one is stale)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="change nothing; exit non-zero if a schema is stale")

    def handle(self, *args, **options):
        if options["check"]:
            stale = policy_files.stale_schemas()
            if stale:
                raise CommandError(f"stale in docs/schemas/: {', '.join(stale)}; run manage.py publish_policy_schemas")
            self.stdout.write(self.style.SUCCESS("Every published policy schema is up to date."))
            return
        for path in policy_files.write_schemas():
            self.stdout.write(f"wrote {path}")
