"""Reads of export jobs: a job is visible to whoever requested it (and superusers), to nobody else."""

import uuid

from django.db.models import QuerySet

from core.errors import NotFound

from .models import ExportJob


def jobs_of(user) -> QuerySet:
    return ExportJob.objects.filter(requested_by_id=user.pk).order_by("-created_at", "id")


def job_for_user(user, job_id) -> ExportJob:
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    qs = ExportJob.objects.all() if user.is_superuser else ExportJob.objects.filter(requested_by_id=user.pk)
    job = qs.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
