from django.contrib import admin

from .models import Finding, Inspection, InspectionCyclePolicy


@admin.register(InspectionCyclePolicy)
class InspectionCyclePolicyAdmin(admin.ModelAdmin):
    """The Decree 331 default cycles are the administrator's to change; the scanner reads these rows first."""

    list_display = ("regime", "level", "months", "assessor_requirement", "note", "updated_at")
    list_editable = ("months", "assessor_requirement")
    list_filter = ("regime",)
    readonly_fields = ("regime", "level")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    """Inspections change only through the services (transitions, audit); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ("id", "system", "kind", "trigger", "status", "scheduled_for", "due_date", "checklist")
    list_filter = ("status", "kind")
    list_select_related = ("system", "checklist")
    search_fields = ("system__code",)


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ("id", "system", "severity", "status", "due_date", "responsible_org")
    list_filter = ("status", "severity")
    list_select_related = ("system", "responsible_org")
