"""The audit trail's models now belong to core (core/0001 takes them over): accounts forgets them in the migration
state only, so no table is dropped, no row touched and the append-only triggers stay where they are. The content
types follow, so admin history and permissions keep pointing at the same models."""

from django.db import migrations

MOVED = ("auditevent", "auditchainhead")


def _relabel(source, target):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        # A content type created under the new label (post_migrate of an earlier run) would clash: keep the old one.
        ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).delete()
        ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(app_label=target)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_organization_head_title"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="AuditChainHead"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_relabel("accounts", "core"), _relabel("core", "accounts"), elidable=False),
    ]
