"""Request-wide middleware that needs no user: the request id and client address for the audit trail, and the
Content-Security-Policy header."""

import ipaddress
import uuid

from django.conf import settings

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
