"""On PostgreSQL the head of the audit chain only moves forward, onto an event that exists with that hash, and is
never deleted: rewinding or dropping it would let a forger restart the chain. (accounts_auditevent itself is
append-only by approvals/0003; TRUNCATE stays possible for test flushes and is caught by `verify_audit`.)"""

from django.db import migrations

TRIGGER_NAME = "attesta_audit_head_forward_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION attesta_audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'accounts_auditchainhead is append-only: DELETE rejected' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.last_event_id IS NULL
       OR (OLD.last_event_id IS NOT NULL AND NEW.last_event_id < OLD.last_event_id)
       OR NOT EXISTS (SELECT 1 FROM accounts_auditevent WHERE id = NEW.last_event_id AND hash = NEW.last_hash) THEN
        RAISE EXCEPTION 'accounts_auditchainhead is append-only: the head may only move forward to an existing event'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON accounts_auditchainhead;
CREATE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OR DELETE ON accounts_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION attesta_audit_head_guard();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON accounts_auditchainhead;
DROP FUNCTION IF EXISTS attesta_audit_head_guard();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_login_throttle")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False)]
