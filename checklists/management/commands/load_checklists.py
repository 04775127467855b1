from django.core.management.base import BaseCommand, CommandError

from checklists.services import load_shipped, load_shipped_mappings
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import every shipped checklist catalogue file, then every shipped requirement mapping "
        "(idempotent: unchanged files publish nothing)."
    )

    def handle(self, *args, **options):
        try:
            results = load_shipped()
            mappings = load_shipped_mappings()
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from None
        for path, template, created in results:
            self.stdout.write(f"{'published' if created else 'unchanged'}  {path} → {template}")
        for path, mapping, created in mappings:
            self.stdout.write(f"{'published' if created else 'unchanged'}  {path} → {mapping}")
        self.stdout.write(self.style.SUCCESS(f"{sum(c for *_, c in results)} new version(s), {len(results)} file(s)"))
        self.stdout.write(
            self.style.SUCCESS(f"{sum(c for *_, c in mappings)} new mapping version(s), {len(mappings)} file(s)")
        )
