"""The one NinjaAPI: auth, the contract's error shape, and each app's router."""

from datetime import UTC, datetime

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi import schema as ninja_openapi_schema
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from pydantic.json_schema import DefsRef

from accounts.models import ApiToken, User
from core.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        # Revoked and expired tokens are refused alike (401): a password change, a deactivation and
        # POST /auth/token/revoke set revoked_at (accounts.models.ApiToken).
        key_hash = ApiToken.hash_key(token)
        sql, params = _token_statement(key_hash)
        users = list(User.objects.raw(sql, params))
        if not users:
            return None
        user = users[0]
        # The token as far as it was read (its other fields load if ever asked for): the revoke needs its id.
        row = ApiToken.from_db(connection.alias, ["id", "user_id", "key_hash", "revoked_at"], [user._token_id, user.pk, key_hash, None])  # fmt: skip
        row.user = user
        request.user = user
        request.api_token = row
        _speak_users_language(request, user)
        return user


# The live token's user with the token's id, in one statement compiled once per process with stand-in values:
# compiling it (every user column) took about a sixth of an API detail request in Python (docs/benchmarks.md). The
# key hash is unique, so there is at most one row and no ORDER BY.
_STAND_IN_KEY = "stand-in key hash"
_STAND_IN_NOW = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_token_sql: dict[str, tuple[str, tuple, int, int]] = {}


def _token_statement(key_hash: str) -> tuple[str, list]:
    expires_at = ApiToken._meta.get_field("expires_at")
    vendor = connection.vendor
    if vendor not in _token_sql:
        live = {"api_tokens__revoked_at__isnull": True, "api_tokens__expires_at__gt": _STAND_IN_NOW}
        template = User.objects.filter(api_tokens__key_hash=_STAND_IN_KEY, is_active=True, **live)
        sql, params = template.annotate(_token_id=F("api_tokens__id"))[:1].query.sql_with_params()
        keys = [i for i, value in enumerate(params) if value == _STAND_IN_KEY]
        nows = [i for i, value in enumerate(params) if value == expires_at.get_db_prep_value(_STAND_IN_NOW, connection)]
        if len(keys) != 1 or len(nows) != 1 or sql.count('accounts_apitoken" ON') != 1:
            raise RuntimeError(f"token template: {len(keys)} key and {len(nows)} time parameters")
        _token_sql[vendor] = (sql, tuple(params), keys[0], nows[0])
    sql, template, at_key, at_now = _token_sql[vendor]
    params = list(template)
    params[at_key] = key_hash
    params[at_now] = expires_at.get_db_prep_value(timezone.now(), connection)
    return sql, params


def _speak_users_language(request, user) -> None:
    """A script that names no language in Accept-Language gets its account's saved language (a browser session
    already does: accounts.middleware.UserLanguageMiddleware); with neither, LocaleMiddleware's LANGUAGE_CODE."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE") or not user.language:
        return
    translation.activate(user.language)
    request.LANGUAGE_CODE = user.language


class BrowserSession(SessionAuth):
    """The browser's session cookie, with its CSRF check only when there is a signed-in session to protect. A
    request that carries a bearer token is the token's business alone: a bad or revoked token answers 401, never
    ninja's `403 CSRF check failed` from falling through to the cookie (which a script does not send)."""

    def _get_key(self, request):
        if request.headers.get("Authorization") or not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return super().authenticate(request, key) if key else None


django_auth = BrowserSession()

# --- the errors each operation declares ---------------------------------------------------------------------------
# Every operation can fail in the ways its shape allows, and the contract says how: a body can be malformed (400) or
# too large (413), any input can fail validation (422), an authenticated operation answers 401 without a valid
# token, a path names an object that may be missing or invisible (404), a write may be refused to someone who may
# see (403) or conflict with the object's state (409). Declared here, from the operation's method, auth, parameters
# and body, so each router (and every operation added later) is covered without repeating it; a router's own
# declaration of a status (e.g. the import's 422 body) wins.

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "snake_case, stable: the contract"},
            "message": {"type": "string", "description": "for people, in the request's language"},
            "details": {"type": "array", "items": {"type": "object", "description": "{field, message} or {row, column, message}"}},
        },
    }},
}  # fmt: skip
ERROR_DESCRIPTIONS = {
    400: "Malformed request (the body cannot be parsed).",
    401: "Authentication is required: no token, or an invalid, expired or revoked one.",
    403: "The caller may see this but may not do this.",
    404: "Not found, or not visible to the caller.",
    409: "The transition is not allowed in the current state, or lost a race.",
    413: "The body or upload is too large.",
    422: "Validation failed: `details` names each field (or row and column).",
}
_WRITES = {"post", "put", "patch", "delete"}


def standard_errors(method: str, operation: dict) -> set[int]:
    params = operation.get("parameters", [])
    in_path = any(p.get("in") == "path" for p in params)
    has_body = "requestBody" in operation
    statuses = set()
    if operation.get("security"):
        statuses.add(401)
    if params or has_body:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413}
    if in_path or any(p.get("in") == "query" and p["name"].endswith("_id") for p in params):
        statuses.add(404)  # the object named by the path, or the one a filter names
    if method in _WRITES and operation.get("security"):
        statuses |= {403, 404}  # the body may name objects too (owner_id, item_id, ...)
        if in_path:
            statuses.add(409)
    return statuses


def _file_uploads_are_required(operation: dict) -> None:
    """An upload operation refuses a request without its `file` (422), so the document says `file` is required
    (the view takes it as optional only to answer in the contract's words)."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        if "file" in schema.get("properties", {}):
            schema["required"] = sorted({*schema.get("required", []), "file"})
            operation["requestBody"]["required"] = True


def declare_errors(schema: dict) -> dict:
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            _file_uploads_are_required(operation)
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if str(code).isdigit()}
            for status in sorted(standard_errors(method, operation) - declared):
                responses[status] = {"description": ERROR_DESCRIPTIONS[status], **ref}
    return schema


class _QualifiedNames(NinjaGenerateJsonSchema):
    """Name a nested class's schema by its owner too: `InformationSystem.Status`, `Dossier.Status` and
    `Inspection.Status` are three enums, but ninja merges each model's definitions under the short name, so all three
    filters pointed at one `Status` (the last one generated)."""

    def get_defs_ref(self, core_mode_ref):
        defs_ref = super().get_defs_ref(core_mode_ref)
        dotted = core_mode_ref[0].rsplit(":", 1)[0].split("[", 1)[0].split(".")
        if len(dotted) >= 2 and dotted[-1][:1].isupper() and dotted[-2][:1].isupper():
            self._prioritized_defsref_choices[defs_ref][0] = DefsRef(self.normalize_name(dotted[-2] + dotted[-1]))
        return defs_ref


ninja_openapi_schema.NinjaGenerateJsonSchema = _QualifiedNames  # the generator ninja's document builder uses


class ContractAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return declare_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = ContractAPI(
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
    return api.create_response(
        request, error_body("validation_failed", gettext("The input is not valid."), details), status=422
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, error_body("unauthenticated", gettext("Authentication is required.")), status=401
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", gettext("Not found.")), status=404)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    # A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE: the contract's 413, not Django's HTML 400 page.
    return api.create_response(request, error_body("too_large", gettext("The request body is too large.")), status=413)


@api.exception_handler(OverflowError)
def _number_out_of_range(request, exc):
    # An id or filter beyond what the database can store (found by tests/security/test_api_fuzz.py): 422, not 500.
    body = error_body(
        "validation_failed", gettext("A number is out of range."), [{"field": "", "message": gettext("out of range")}]
    )
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
    }
    return api.create_response(
        request, error_body(codes.get(exc.status_code, "error"), str(exc)), status=exc.status_code
    )


from accounts.api import router as accounts_router  # noqa: E402
from approvals.api import router as approvals_router  # noqa: E402
from systems_registry.api import router as systems_router  # noqa: E402

api.add_router("", accounts_router)
api.add_router("", systems_router)
api.add_router("", approvals_router)
api.add_router("", "checklists.api.router")
api.add_router("", "inspections.api.router")
api.add_router("", "inspections.api_gap.router")
api.add_router("", "reporting.api_oscal.router")
api.add_router("", "systems_registry.api_imports.router")
api.add_router("", "notifications.api.router")
api.add_router("", "reporting.api_dashboard.router")
api.add_router("", "reporting.exports.api.router")
api.add_router("", "reporting.api.router")
