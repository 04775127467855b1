from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load the demo data of the API contract. Idempotent: running it twice changes nothing the second time."

    def handle(self, *args, **options):
        with transaction.atomic():
            for dotted in settings.DEMO_SEEDERS:
                seeder = import_string(dotted)
                summary = seeder()
                self.stdout.write(f"{dotted}: {summary}")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Password for every demo user: $DEMO_PASSWORD (default attesta-demo).")
        )
