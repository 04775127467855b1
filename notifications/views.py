"""Inbox and preferences: parse, call one service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotFound

from . import selectors, services
from .models import Kind


@login_required
def inbox_view(request):
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread=unread), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread})


@login_required
@require_POST
def mark_read_view(request, notification_id):
    try:
        notification = services.mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    # "Open" marks it read and follows its link; "Mark as read" stays in the inbox.
    if (
        request.POST.get("follow")
        and notification.url
        and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    ):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read_view(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences_view(request):
    if request.method == "POST":
        choices = {
            kind: {
                "email": request.POST.get(f"{kind}-email") == "on",
                "digest": request.POST.get(f"{kind}-digest") == "on",
            }
            for kind in Kind.values
        }
        services.set_preferences(user=request.user, choices=choices)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"rows": selectors.preferences_of(request.user)})
