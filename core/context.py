"""Who is acting, from where: set once per request (or task) and read by the audit trail."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("attesta_request", default=RequestContext())  # noqa: B039  (a frozen dataclass)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
