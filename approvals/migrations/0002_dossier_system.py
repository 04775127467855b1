"""The dossier's link to its system, once both tables exist."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("systems_registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="system",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="dossiers",
                to="systems_registry.informationsystem",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["system", "status"], name="approvals_d_system__9b3d6c_idx"),
        ),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["draft", "in_review", "returned"])),
                fields=("system",),
                name="dossier_one_open_per_system",
            ),
        ),
    ]
