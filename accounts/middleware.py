"""Middleware that needs the signed-in user: their saved language, and the two-factor gate."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's; the switch saves it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Users who must use two-factor (security unit, owner, authority; staff) reach nothing but the two-factor
    pages and sign-out until this session is verified. On the API an unverified session counts as no session:
    bearer tokens are only issued after the second factor."""

    EXEMPT_NAMES = {"two_factor_verify", "two_factor_setup", "logout", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        from .security import is_enrolled, two_factor_required

        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith((self.static_prefix, "/healthz"))
            or user.is_verified()
            or not two_factor_required(user)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in self.EXEMPT_NAMES:
            return self.get_response(request)
        target = "two_factor_verify" if is_enrolled(user) else "two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
