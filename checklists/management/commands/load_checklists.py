from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from checklists.services import load_shipped


class Command(BaseCommand):
    help = "Import every shipped checklist catalogue file (idempotent: unchanged files publish nothing)."

    def handle(self, *args, **options):
        try:
            results = load_shipped()
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from None
        for path, template, created in results:
            self.stdout.write(f"{'published' if created else 'unchanged'}  {path} → {template}")
        self.stdout.write(self.style.SUCCESS(f"{sum(c for *_, c in results)} new version(s), {len(results)} file(s)"))
