"""The contract's page envelope. Two queries per page whatever the page size: COUNT and the slice."""

from django.db.models import QuerySet
from pydantic import BaseModel, Field

MAX_PAGE_SIZE = 500


class PageParams(BaseModel):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


def paginate(qs: QuerySet, params: PageParams, serialize) -> dict:
    count = qs.count()
    start = (params.page - 1) * params.page_size
    # A page past the end is empty, not an error: clients loop until `items` runs out.
    rows = list(qs[start : start + params.page_size]) if start < count else []
    return {"items": serialize(rows), "count": count, "page": params.page, "page_size": params.page_size}
