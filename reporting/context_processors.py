from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def nav(request):
    """The "Reports", "Serious incidents" and "Changes and risks" entries of the main menu (base.html's `nav_extra`)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_extra": [
            {"url": reverse("reporting:list"), "label": _("Reports")},
            {"url": reverse("reporting:incidents"), "label": _("Serious incidents")},
            {"url": reverse("reporting:change_worklist"), "label": _("Changes and risks")},
        ]
    }
