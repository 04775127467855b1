"""Generate the reproducible national-scale dataset (bench/national_dataset.py) into the database of DATABASE_URL
(else BENCH_DATABASE_URL, else the local attesta_scale PostgreSQL database). Never on production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attesta_scale .venv/bin/python bench/generate_national_dataset.py \\
        [--systems 50000] [--inspections 20000] [--results-per-inspection 200] [--seed 1] [--explicit-grants 0] \\
        [--as-of YYYY-MM-DD] [--password P]"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import setup


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=50_000)
    parser.add_argument("--inspections", type=int, default=20_000)
    parser.add_argument("--results-per-inspection", type=int, default=200,
                        help="Result rows per inspection, capped by the checklist's item count.")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explicit-grants", type=int, default=0, help="Extra guardian view grants (visibility load).")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--ministries", type=int, default=22)
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="Date the generated history ends (default today)."
    )
    parser.add_argument("--password", default=None, help="Password of the generated users (default $DEMO_PASSWORD).")
    args = parser.parse_args(argv)
    if (
        min(args.systems, args.provinces, args.ministries) < 1
        or min(args.inspections, args.communes, args.results_per_inspection) < 0
    ):
        parser.error("Sizes must be positive.")
    return args


def run(args: argparse.Namespace, out=print) -> None:
    """Generate with Django already set up (the tests call this on their own database)."""
    from django.conf import settings

    from bench.national_dataset import Sizes, generate

    sizes = Sizes(
        systems=args.systems, inspections=args.inspections, results_per_inspection=args.results_per_inspection,
        explicit_grants=args.explicit_grants, provinces=args.provinces, communes=args.communes,
        ministries=args.ministries,
    )  # fmt: skip
    password = args.password or getattr(settings, "DEMO_PASSWORD", None) or "attesta-demo"
    started = time.perf_counter()
    report = generate(sizes=sizes, seed=args.seed, as_of=args.as_of, password=password,
                      log=lambda m: out(f"  {m} ({time.perf_counter() - started:.1f}s)"))  # fmt: skip
    for line in report.lines():
        out(line)
    out(f"generated in {time.perf_counter() - started:.1f}s")


def main(argv=None) -> None:
    args = parse(argv)
    setup(os.environ.get("DATABASE_URL"))
    try:
        run(args)
    except ValueError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
