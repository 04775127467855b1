from django.core.management.base import BaseCommand

from checklists import selectors
from checklists.mapping import RELATIONS


class Command(BaseCommand):
    help = "Print the coverage of every published requirement mapping: items mapped on each side, per relation."

    def handle(self, *args, **options):
        mappings = list(selectors.mapping_list())
        if not mappings:
            self.stdout.write("No requirement mapping is published; run load_checklists first.")
        for row in mappings:
            mapping = selectors.mapping_detail(row.pk)
            figure = selectors.mapping_coverage(mapping)
            source, target = mapping.source_checklist, mapping.target_checklist
            self.stdout.write(f"{mapping} ({source} → {target}), {mapping.pairs_count} pairs")
            for side, checklist in (("source", source), ("target", target)):
                part = figure[side]
                share = part["mapped"] / part["total"] if part["total"] else 0
                self.stdout.write(
                    f"  {side} {checklist.code}: {part['mapped']} of {part['total']} items mapped ({share:.0%}),"
                    f" {len(part['unlisted'])} not listed"
                )
            self.stdout.write("  relation         pairs  source items  target items")
            for relation in RELATIONS:
                r = figure["relations"][relation]
                self.stdout.write(f"  {relation:<15} {r['pairs']:>6} {r['source_items']:>13} {r['target_items']:>13}")
