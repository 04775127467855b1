"""The one NinjaAPI: auth, the contract's error shape, and each app's router."""

from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from accounts.errors import DomainError
from accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), expires_at__gt=timezone.now(), user__is_active=True)
            .first()
        )
        if row is None:
            return None
        request.user = row.user
        _speak_users_language(request, row.user)
        return row.user


def _speak_users_language(request, user) -> None:
    """A script that names no language in Accept-Language gets its account's saved language (a browser session
    already does: accounts.middleware.UserLanguageMiddleware); with neither, LocaleMiddleware's LANGUAGE_CODE."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE") or not user.language:
        return
    translation.activate(user.language)
    request.LANGUAGE_CODE = user.language


api = NinjaAPI(
    title="Attesta API",
    version="1",
    description="Security-level dossiers, registry and inspections of government information systems.",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(code: str, message: str, details: list | None = None) -> dict:
    # A lazy translation is resolved here, in the request's language, before the JSON encoder sees it.
    details = [{k: _text(v) for k, v in d.items()} if isinstance(d, dict) else d for d in details or []]
    return {"error": {"code": code, "message": _text(message), "details": details}}


def _text(value):
    return str(value) if isinstance(value, Promise) else value


def _loc_to_field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload", "data")]
    # ninja nests the body under the parameter name; drop it so the field reads as the contract names it.
    if len(parts) > 1 and not parts[0].isdigit() and parts[0] in {"data", "payload", "body_in"}:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = []
    for err in exc.errors:
        loc = list(err.get("loc", ()))
        if loc and loc[0] == "body" and len(loc) > 1 and loc[1] in {"data", "payload"}:
            loc = loc[2:]
        details.append({"field": _loc_to_field(loc), "message": err.get("msg") or gettext("invalid")})
    return api.create_response(request, error_body("validation_failed", gettext("The input is not valid."), details), status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, error_body("unauthenticated", gettext("Authentication is required.")), status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", gettext("Not found.")), status=404)


@api.exception_handler(OverflowError)
def _number_out_of_range(request, exc):
    # An id or filter beyond what the database can store (found by tests/security/test_api_fuzz.py): 422, not 500.
    body = error_body("validation_failed", gettext("A number is out of range."), [{"field": "", "message": gettext("out of range")}])
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return api.create_response(request, error_body(codes.get(exc.status_code, "error"), str(exc)), status=exc.status_code)


from accounts.api import router as accounts_router  # noqa: E402
from systems_registry.api import router as systems_router  # noqa: E402
from approvals.api import router as approvals_router  # noqa: E402

api.add_router("", accounts_router)
api.add_router("", systems_router)
api.add_router("", approvals_router)
api.add_router("", "checklists.api.router")
api.add_router("", "inspections.api.router")
api.add_router("", "systems_registry.api_imports.router")
api.add_router("", "notifications.api.router")
api.add_router("", "inspections.api_dashboard.router")
api.add_router("", "inspections.exports.api.router")
api.add_router("", "reporting.api.router")
