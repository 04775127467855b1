from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        checks.register(lease_below_visibility_timeout)


def lease_below_visibility_timeout(app_configs=None, **kwargs):
    """A redelivered email task must find its dead predecessor's claim expired, or the email is never sent."""
    timeout = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout")
    lease = settings.NOTIFICATION_LEASE_SECONDS
    if timeout is not None and lease >= timeout:
        return [checks.Error(
            f"NOTIFICATION_LEASE_SECONDS ({lease}) must be below the broker's visibility timeout ({timeout}).",
            hint="Lower NOTIFICATION_LEASE_SECONDS or raise CELERY_VISIBILITY_TIMEOUT.", id="notifications.E001",
        )]  # fmt: skip
    return []
