"""What every HTML view does around a service call, in one place: NotFound → 404 (never reveal existence),
Forbidden → 403, any other DomainError → a message on the page the user returns to."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden

from .errors import DomainError, Forbidden, NotFound


@dataclass
class ServiceCall:
    forbidden: HttpResponse | None = None


@contextmanager
def service_call(request):
    """`with service_call(request) as call: ...` then `return call.forbidden or redirect(...)`."""
    call = ServiceCall()
    try:
        yield call
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        call.forbidden = HttpResponseForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
