import ipaddress
import uuid

from django.conf import settings
from django.utils import translation

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
