"""The registry holds its approved dossier by id, not by a foreign key up into approvals (issue 17: the layers depend
one way). Same column (`approved_dossier_id`), same data, same index; only the constraint goes. The approval time,
which the go-live gate read through the foreign key, is kept beside it (`approved_at`), filled from the dossiers."""

from django.db import migrations, models


def fill_approved_at(apps, schema_editor):
    System = apps.get_model("systems_registry", "InformationSystem")
    Dossier = apps.get_model("approvals", "Dossier")
    approved = System.objects.exclude(approved_dossier_id=None).values_list("pk", "approved_dossier_id")
    closed = dict(
        Dossier.objects.filter(pk__in=[dossier_id for _, dossier_id in approved]).values_list("pk", "closed_at")
    )
    rows = [System(pk=pk, approved_at=closed.get(dossier_id)) for pk, dossier_id in approved]
    System.objects.bulk_update(rows, ["approved_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("systems_registry", "0006_readiness_required_after_change"),
        ("approvals", "0010_statutory_paper_copy"),
    ]

    operations = [
        # The database: drop the constraint, keep the column and its index.
        migrations.AlterField(
            model_name="informationsystem",
            name="approved_dossier",
            field=models.ForeignKey(
                "approvals.Dossier",
                null=True,
                blank=True,
                on_delete=models.PROTECT,
                related_name="+",
                db_constraint=False,
            ),
        ),
        # The state: the same column as a plain indexed integer.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="informationsystem", name="approved_dossier"),
                migrations.AddField(
                    model_name="informationsystem",
                    name="approved_dossier_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
            ],
        ),
        migrations.AddField(
            model_name="informationsystem",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="approved at"),
        ),
        migrations.RunPython(fill_approved_at, migrations.RunPython.noop, elidable=False),
    ]
