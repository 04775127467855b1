"""Number, issue date and issuing body of an issued document (Form 08 column 8). Documents are never edited, so
rows uploaded before this migration keep empty values and the report falls back to their file name. Adding the
columns is DDL only: no row is updated (the append-only trigger of 0003 guards accounts_auditevent, not this table)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="issued_on",
            field=models.DateField(blank=True, null=True, verbose_name="date of issue"),
        ),
        migrations.AddField(
            model_name="document",
            name="issuer",
            field=models.CharField(blank=True, max_length=255, verbose_name="issuing body"),
        ),
        migrations.AddField(
            model_name="document",
            name="number",
            field=models.CharField(blank=True, max_length=100, verbose_name="document number"),
        ),
    ]
