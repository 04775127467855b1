from django.contrib import admin

from .models import Dossier, DossierStep, Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Editable: the government announces days off (and make-up working days) year by year."""

    list_display = ("date", "name")
    search_fields = ("name",)
    date_hierarchy = "date"


class StepInline(admin.TabularInline):
    model = DossierStep
    extra = 0
    can_delete = False
    fields = ("revision", "order", "kind", "organization", "role", "due_date", "decision", "decided_by", "decided_at")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: dossiers change only through the workflow services, which check duties and audit."""

    list_display = ("id", "system", "proposed_level", "revision", "status")
    list_filter = ("status", "proposed_level", "regime")
    list_select_related = ("system",)
    search_fields = ("title", "system__code")
    inlines = [StepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
