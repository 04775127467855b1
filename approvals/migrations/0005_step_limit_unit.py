# Every step limit states its unit: Decree 85's appraisal limits are calendar days (Art. 16.2), the others working
# days. The old column held working days, so existing steps keep that unit.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0004_document_issue_details"),
    ]

    operations = [
        migrations.RenameField(model_name="dossierstep", old_name="working_days", new_name="limit_days"),
        migrations.AddField(
            model_name="dossierstep",
            name="limit_unit",
            field=models.CharField(
                choices=[("working_days", "working days"), ("calendar_days", "calendar days")],
                default="working_days",
                max_length=16,
            ),
        ),
    ]
