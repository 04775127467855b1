from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit non-zero naming the first broken event."

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            where = f"event #{result.first_broken_id}" if result.first_broken_id else "the end of the chain"
            raise CommandError(f"Audit chain broken at {where}: {result.reason} ({result.checked} events verified before it)")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} events verified."))
