from datetime import datetime

from ninja import Query, Router
from pydantic import BaseModel

from core.pagination import PageParams, paginate

from . import selectors, services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    count: int
    page: int
    page_size: int


class NotificationFilter(PageParams):
    unread: bool = False


def _out(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("/notifications", response=NotificationPage)
def list_notifications(request, params: Query[NotificationFilter]):
    qs = selectors.inbox(request.user, unread=params.unread).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at"
    )
    return paginate(qs, params, lambda rows: [_out(n) for n in rows])


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def read_notification(request, notification_id: int):
    return _out(services.mark_read(user=request.user, notification_id=notification_id))
