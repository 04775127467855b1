from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import services


@login_required
def home(request):
    """The "waiting for me" page of every role: dossier steps, dossiers to complete, inspections, findings, and
    for oversight roles the systems operating without approval (`inspections.dashboard.home_worklist`)."""
    from approvals.presenters import is_overdue
    from inspections.dashboard import home_worklist

    work = home_worklist(request.user)  # nothing waiting shows an empty worklist that says so, never a redirect
    steps = [{"step": s, "dossier": s.dossier, "overdue": is_overdue(s, work.today)} for s in work.steps]
    return render(request, "accounts/home.html", {"work": work, "rows": steps})


@require_POST
def set_language(request):
    """Switch the language and remember it: on the account when signed in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            services.update_profile(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": "not_found", "message": gettext("Not found."), "details": []}}, status=404
        )
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": "forbidden", "message": gettext("Forbidden."), "details": []}}, status=403
        )
    return render(request, "403.html", status=403)
