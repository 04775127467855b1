"""The dedup key leads the unique index: a scanner batch asks which of its 200 keys exist, by key."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The new index first: uniqueness holds throughout.
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("dedup_key", "recipient"), name="notification_dedup_key_recipient_unique"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_dedup_unique",
        ),
    ]
