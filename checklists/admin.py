"""Published catalogue versions are read-only here: a change is a new file imported through the service."""

from django.contrib import admin

from .models import ChecklistItem, ChecklistSection, ChecklistTemplate, RequirementMapping


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("order", "code", "section", "text", "reference")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "title", "regime", "level", "kind", "item_count", "published_at")
    list_filter = ("regime", "kind", "level")
    search_fields = ("code", "title")
    inlines = [ItemInline]


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(ReadOnlyAdmin):
    list_display = ("template", "order", "code", "title")
    list_select_related = ("template",)


@admin.register(RequirementMapping)
class RequirementMappingAdmin(ReadOnlyAdmin):
    """Read-only like the catalogues: a changed mapping file is published as the next version (load_checklists)."""

    list_display = ("code", "version", "source_checklist", "target_checklist", "pairs_count", "published_at")
    list_select_related = ("source_checklist", "target_checklist")
    search_fields = ("code", "title")
