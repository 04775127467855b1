"""The audit trail's models arrive from accounts (accounts/0008 lets go of them): in the migration state only. The
tables, their rows and the append-only triggers on them stay exactly as they are; `db_table` keeps their names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0007_organization_head_title"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_hash", models.CharField(max_length=64)),
                ("last_event_id", models.BigIntegerField(null=True)),
            ],
            options={"db_table": "accounts_auditchainhead"},
        ),
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True)),
                ("actor_username", models.CharField(blank=True, max_length=150)),
                ("action", models.CharField(max_length=60)),
                ("object_type", models.CharField(max_length=60)),
                ("object_id", models.CharField(max_length=64)),
                ("from_status", models.CharField(blank=True, max_length=40)),
                ("to_status", models.CharField(blank=True, max_length=40)),
                ("step", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("revision", models.PositiveIntegerField(blank=True, null=True)),
                ("comment", models.TextField(blank=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
                ("keyed", models.BooleanField(default=True)),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "accounts_auditevent",
                "ordering": ["id"],
                "indexes": [
                    models.Index(fields=["object_type", "object_id", "id"], name="accounts_au_object__42d62c_idx")
                ],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
