from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import InformationSystem


def _lifecycle_action(name):
    def action(modeladmin, request, queryset):
        for system in queryset:
            try:
                services.LIFECYCLE_TRANSITIONS[name](actor=request.user, system_id=system.pk, comment="admin")
            except DomainError as exc:
                modeladmin.message_user(request, f"{system.code}: {exc.message}", level=messages.ERROR)

    action.__name__ = f"lifecycle_{name}"
    action.short_description = f"Lifecycle: {name}"
    return action


@admin.action(description=_("Reclassify the selected systems"))
def reclassify(modeladmin, request, queryset):
    """The admin's one write path into classification: the same service as the form and the API."""
    for system in queryset.select_related(None).only("id", "code", "status"):
        try:
            services.classify_system(actor=request.user, system_id=system.pk)
        except DomainError as exc:
            modeladmin.message_user(request, f"{system.code}: {exc.message}", level=messages.ERROR)


@admin.register(InformationSystem)
class InformationSystemAdmin(admin.ModelAdmin):
    """Read-only here: registry edits go through the services (forms and API), which validate and audit them."""

    list_display = (
        "code",
        "name",
        "owner",
        "proposed_level",
        "approved_level",
        "status",
        "operating_without_approval",
        "reapproval_deadline",
    )
    list_filter = ("status", "proposed_level", "regime", "operating_without_approval")
    search_fields = ("code", "name")
    list_select_related = ("owner",)
    actions = [reclassify, *(_lifecycle_action(n) for n in services.LIFECYCLE_TRANSITIONS)]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
