from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification, NotificationPreference
from .services import retry_failed_emails


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "kind",
        "title",
        "created_at",
        "read_at",
        "email_status",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("email_status", "kind", "in_digest")
    search_fields = ("title", "recipient__username", "last_error", "dedup_key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["retry_email"]

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Retry the email of the selected failed notifications"))
    def retry_email(self, request, queryset):
        ids = retry_failed_emails(queryset)
        self.message_user(
            request, ngettext("%(n)d email queued again.", "%(n)d emails queued again.", len(ids)) % {"n": len(ids)}
        )

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email", "digest")
    list_filter = ("kind", "email", "digest")
    search_fields = ("user__username",)
