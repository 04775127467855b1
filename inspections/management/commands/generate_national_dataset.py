import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from inspections.national_dataset import Sizes, generate


class Command(BaseCommand):
    help = (
        "Generate a reproducible national-scale dataset (34 provinces, 3,321 communes, central agencies, systems, "
        "dossiers, inspections with results, findings, audit events) for performance work. Never on production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--systems", type=int, default=50_000)
        parser.add_argument("--inspections", type=int, default=20_000)
        parser.add_argument("--results-per-inspection", type=int, default=200,
                            help="Result rows per inspection, capped by the checklist's item count.")  # fmt: skip
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--explicit-grants", type=int, default=0, help="Extra guardian view grants (visibility load)."
        )
        parser.add_argument("--provinces", type=int, default=34)
        parser.add_argument("--communes", type=int, default=3321)
        parser.add_argument("--ministries", type=int, default=22)
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="Date the generated history ends (default today)."
        )
        parser.add_argument(
            "--password", default=None, help="Password of the generated users (default $DEMO_PASSWORD)."
        )

    def handle(self, *args, **opts):
        from django.conf import settings

        sizes = Sizes(
            systems=opts["systems"], inspections=opts["inspections"], results_per_inspection=opts["results_per_inspection"],
            explicit_grants=opts["explicit_grants"], provinces=opts["provinces"], communes=opts["communes"],
            ministries=opts["ministries"],
        )  # fmt: skip
        if (
            min(sizes.systems, sizes.provinces, sizes.ministries) < 1
            or min(sizes.inspections, sizes.communes, sizes.results_per_inspection) < 0
        ):
            raise CommandError("Sizes must be positive.")
        password = opts["password"] or getattr(settings, "DEMO_PASSWORD", None) or "attesta-demo"
        started = time.perf_counter()
        try:
            report = generate(sizes=sizes, seed=opts["seed"], as_of=opts["as_of"], password=password,
                              log=lambda m: self.stdout.write(f"  {m} ({time.perf_counter() - started:.1f}s)"))  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"generated in {time.perf_counter() - started:.1f}s"))
