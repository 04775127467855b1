"""On PostgreSQL the audit trail is append-only in the database itself: a trigger rejects UPDATE and DELETE on
accounts_auditevent, so not even a buggy migration or a console session can rewrite history unnoticed.
(The hash chain and `verify_audit` cover SQLite and anyone who disables the trigger.)"""

from django.db import migrations

TRIGGER_NAME = "attesta_audit_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION attesta_audit_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_auditevent is append-only: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON accounts_auditevent;
CREATE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION attesta_audit_reject_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON accounts_auditevent;
DROP FUNCTION IF EXISTS attesta_audit_reject_change();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("approvals", "0002_dossier_system"),
    ]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False)]
