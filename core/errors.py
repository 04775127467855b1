"""Domain errors. Services raise these; the API maps them to the contract's error shape in one place and the
HTML views turn them into messages or form errors.

Messages are for people, so they are translated where they are raised (`gettext`, in the language the request
activated: see docs/architecture.md, "Languages"); `code` is the contract and never translated. A lazy string
(`gettext_lazy`) is forced here, so no proxy ever reaches the JSON encoder or the message framework."""

from django.utils.functional import Promise
from django.utils.translation import gettext


def _forced(value):
    return str(value) if isinstance(value, Promise) else value


def _forced_details(details: list | None) -> list:
    return [{k: _forced(v) for k, v in d.items()} if isinstance(d, dict) else d for d in details or []]


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: list | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = _forced_details(details)


class NotFound(DomainError):
    """Missing or not visible: the two are never told apart."""

    status = 404
    code = "not_found"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(gettext("Not found.") if message is None else message, **kwargs)


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "validation_failed"

    @classmethod
    def field(cls, field: str, message: str) -> "Invalid":
        return cls(message, details=[{"field": field, "message": message}])


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def transition_not_allowed(name: str, allowed: list[str]) -> Conflict:
    allowed_text = ", ".join(allowed) if allowed else gettext("none")
    return Conflict(
        gettext("Transition '%(name)s' is not allowed now. Allowed: %(allowed)s.")
        % {"name": name, "allowed": allowed_text},
        code="transition_not_allowed",
        details=[{"allowed_transitions": allowed}],
    )
