from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .auth_views import AdminLockoutAuthenticationForm
from .models import Delegation, Membership, Organization, User

admin.site.login_form = AdminLockoutAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Attesta", {"fields": ("full_name", "language")}))
    list_display = ("username", "full_name", "email", "is_active", "is_staff")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        # The closure table must follow every tree change, so tree edits go through the services.
        if not change:
            parent = obj.parent
            details = {
                f: form.cleaned_data[f] for f in form.cleaned_data if f not in ("code", "name", "kind", "parent")
            }
            created = services.create_organization(
                code=obj.code, name=obj.name, kind=obj.kind, parent=parent, **details
            )
            obj.pk = created.pk
            return
        new_parent = obj.parent
        old_parent_id = Organization.objects.values_list("parent_id", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        if old_parent_id != (new_parent.pk if new_parent else None):
            services.move_organization(org=obj, new_parent=new_parent)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__name", "organization__code")
    raw_id_fields = ("user", "organization")

    def save_model(self, request, obj, form, change):
        if change:
            services.revoke_membership(actor=request.user, membership=Membership.objects.get(pk=obj.pk))
        created = services.grant_membership(
            actor=request.user, user=obj.user, organization=obj.organization, role=obj.role
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.revoke_membership(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.revoke_membership(actor=request.user, membership=membership)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("owner", "delegate", "document_number", "starts_on", "ends_on", "revoked_at")
    raw_id_fields = ("owner", "delegate")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = services.create_delegation(
            actor=request.user, owner=obj.owner, delegate=obj.delegate, document_number=obj.document_number,
            document_date=obj.document_date, scope=obj.scope, starts_on=obj.starts_on, ends_on=obj.ends_on,
        )  # fmt: skip
        obj.pk = created.pk
