"""Everything but the link to the registry: systems_registry 0001 depends on this migration (approved_dossier)."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Holiday",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="date")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
            ],
            options={
                "verbose_name": "holiday",
                "verbose_name_plural": "holidays",
                "ordering": ["date"],
            },
        ),
        migrations.CreateModel(
            name="Dossier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("proposed_level", models.PositiveSmallIntegerField(verbose_name="proposed level")),
                ("regime", models.CharField(max_length=20, verbose_name="legal regime")),
                ("routing_version", models.CharField(blank=True, max_length=40)),
                ("title", models.CharField(max_length=255, verbose_name="title")),
                ("summary", models.TextField(blank=True, verbose_name="summary")),
                ("revision", models.PositiveIntegerField(default=1, verbose_name="revision")),
                (
                    "status",
                    django_fsm.FSMField(
                        choices=[
                            ("draft", "Draft"),
                            ("in_review", "In review"),
                            ("returned", "Returned for revision"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                            ("superseded", "Superseded"),
                        ],
                        default="draft",
                        max_length=50,
                        protected=True,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("decision_number", models.CharField(blank=True, max_length=100, verbose_name="decision number")),
                ("decision_date", models.DateField(blank=True, null=True, verbose_name="decision date")),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "security-level dossier",
                "verbose_name_plural": "security-level dossiers",
                "ordering": ["-id"],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("general_description", "General description"),
                            ("design", "Design document"),
                            ("level_proposal", "Level proposal statement"),
                            ("security_plan", "Security plan statement"),
                            ("professional_opinion", "Professional opinion"),
                            ("security_regulation", "Internal security regulation"),
                            ("risk_assessment", "Risk assessment report"),
                            ("other", "Other"),
                        ],
                        max_length=24,
                        verbose_name="kind",
                    ),
                ),
                ("filename", models.CharField(max_length=255, verbose_name="file name")),
                ("file", models.FileField(max_length=255, upload_to="")),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.PositiveBigIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "dossier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="documents", to="approvals.dossier"
                    ),
                ),
            ],
            options={
                "verbose_name": "document",
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="DossierStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField()),
                ("order", models.PositiveSmallIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("professional_opinion", "Professional opinion"),
                            ("appraisal", "Appraisal"),
                            ("approval", "Approval"),
                            ("list_approval", "National list approval"),
                        ],
                        max_length=24,
                    ),
                ),
                ("role", models.CharField(max_length=20)),
                ("working_days", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("activated_on", models.DateField(blank=True, null=True)),
                ("due_date", models.DateField(blank=True, null=True)),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("returned", "Returned for revision"),
                        ],
                        max_length=10,
                        null=True,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("comment", models.TextField(blank=True)),
                ("document_hashes", models.JSONField(blank=True, default=dict)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "dossier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="steps", to="approvals.dossier"
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organization"
                    ),
                ),
            ],
            options={
                "ordering": ["dossier_id", "revision", "order"],
            },
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["status"], name="approvals_d_status_476c99_idx"),
        ),
        migrations.AddIndex(
            model_name="dossierstep",
            index=models.Index(fields=["organization", "role", "decision"], name="approvals_d_organiz_685e88_idx"),
        ),
        migrations.AddConstraint(
            model_name="dossierstep",
            constraint=models.UniqueConstraint(
                fields=("dossier", "revision", "order"), name="step_unique_per_revision"
            ),
        ),
    ]
