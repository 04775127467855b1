"""The contract's page envelope. Two queries per page whatever the page size: COUNT and the slice (or one:
`paginate_counted`)."""

from django.db.models import Count, QuerySet, Window
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


def paginate_counted(qs: QuerySet, params: PageParams, serialize) -> dict:
    """The same envelope in one statement: the page's rows carry the count of the whole filtered set
    (`COUNT(*) OVER ()`, computed before the LIMIT), so the visibility filter runs once instead of twice. Only a
    page past the end, which has no row to carry it, asks for the count on its own."""
    start = (params.page - 1) * params.page_size
    rows = list(qs.annotate(_page_total=Window(Count("*")))[start : start + params.page_size])
    if rows:
        count = rows[0]["_page_total"] if isinstance(rows[0], dict) else rows[0]._page_total
        for row in rows:
            if isinstance(row, dict):
                del row["_page_total"]
    else:
        count = qs.count() if start else 0
    return {"items": serialize(rows), "count": count, "page": params.page, "page_size": params.page_size}
