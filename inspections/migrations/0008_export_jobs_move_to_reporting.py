"""Export jobs moved to reporting (every export lives there now): the table and its indexes take reporting's names and
keep their rows; reporting 0003 re-creates the model in its own state without touching the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0007_doubtful_self_assessment_trigger"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="exportjob", table="reporting_exportjob"),
                migrations.RenameIndex(
                    model_name="exportjob",
                    old_name="inspections_request_1f6f4b_idx",
                    new_name="reporting_e_request_4345e9_idx",
                ),
                migrations.RenameIndex(
                    model_name="exportjob",
                    old_name="inspections_status_2bcf1d_idx",
                    new_name="reporting_e_status_9fb6dc_idx",
                ),
                migrations.RenameIndex(
                    model_name="exportjob",
                    old_name="inspections_expires_34bbe7_idx",
                    new_name="reporting_e_expires_67475f_idx",
                ),
            ],
            state_operations=[migrations.DeleteModel(name="ExportJob")],
        ),
    ]
