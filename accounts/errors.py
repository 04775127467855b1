"""Domain errors. Services raise these; the API maps them to the contract's error shape in one place and the
HTML views turn them into messages or form errors."""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class NotFound(DomainError):
    """Missing or not visible: the two are never told apart."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, **kwargs)


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
    allowed_text = ", ".join(allowed) if allowed else "none"
    return Conflict(
        f"Transition '{name}' is not allowed now. Allowed: {allowed_text}.",
        code="transition_not_allowed",
        details=[{"allowed_transitions": allowed}],
    )
