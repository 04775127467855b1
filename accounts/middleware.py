import ipaddress
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode

from . import context


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted solely when a proxy count is configured.
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    raw = request.META.get("REMOTE_ADDR")
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            raw = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(context.RequestContext(ip=_client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


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


CSP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# The API docs page (assets served locally) lets Swagger UI set styles at runtime; scripts stay 'self' only.
CSP_DOCS_POLICY = CSP_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    """Django 5.2 has no CSP of its own: no inline script anywhere, styles and images from this origin only."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.docs_path = "/api/v1/docs"

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith(self.docs_path)
            response["Content-Security-Policy"] = CSP_DOCS_POLICY if docs else CSP_POLICY
        return response


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
