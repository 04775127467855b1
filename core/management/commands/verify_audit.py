from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = (
        "Recompute the keyed audit chain and compare it with the checkpoint kept outside the database "
        "(AUDIT_CHECKPOINT_FILE); exit non-zero naming the first broken event, else move the checkpoint forward."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-checkpoint", action="store_true", help="verify only; leave the checkpoint as it is")

    def handle(self, *args, **options):
        try:
            checkpoint = audit.read_checkpoint()
        except audit.CheckpointInvalid as exc:
            raise CommandError(f"Audit checkpoint invalid: {exc}") from None
        head = audit.chain_head()  # taken before verifying: events recorded meanwhile wait for the next run
        result = audit.verify_chain(checkpoint=checkpoint)
        if not result.ok:
            where = f"event #{result.first_broken_id}" if result.first_broken_id else "the end of the chain"
            raise CommandError(
                f"Audit chain broken at {where}: {result.reason} ({result.checked} events verified before it)"
            )
        if checkpoint is None:
            self.stdout.write(self.style.WARNING("No checkpoint yet: this run writes the first one."))
        if not options["no_checkpoint"] and head["count"]:
            path = audit.write_checkpoint(head)
            self.stdout.write(f"Checkpoint: {head['count']} events up to #{head['last_id']} ({path}).")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} events verified."))
