"""The hash-chained audit trail. `record` must run inside the caller's transaction, so an event exists exactly
when the change it describes was committed."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from . import context
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
_HASHED_FIELDS = (
    "at", "actor_id", "actor_username", "action", "object_type", "object_id", "from_status", "to_status",
    "step", "revision", "comment", "data", "ip", "request_id", "prev_hash",
)  # fmt: skip


def _digest(values: dict) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _payload(event: AuditEvent) -> dict:
    values = {name: getattr(event, name) for name in _HASHED_FIELDS}
    values["at"] = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    return values


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    from_status: str = "",
    to_status: str = "",
    step: int | None = None,
    revision: int | None = None,
    comment: str = "",
    data: dict | None = None,
    actor_username: str = "",
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    ctx = context.current()
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or actor_username,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(object_id or (obj.pk if obj is not None else "")),
        from_status=from_status,
        to_status=to_status,
        step=step,
        revision=revision,
        comment=comment,
        data=data or {},
        ip=ctx.ip,
        request_id=ctx.request_id,
        prev_hash=head.last_hash,
    )
    event.hash = _digest(_payload(event))
    event.save()
    head.last_hash = event.hash
    head.last_event_id = event.pk
    head.save(update_fields=["last_hash", "last_event_id"])
    return event


def record_many(entries: list[dict]) -> list[AuditEvent]:
    """Several events (each the keyword arguments of `record`, plus an optional `at` for the national data
    generator's history) chained in order, in three queries whatever their number: the set-based writers (a
    registry import batch) keep one event per change at a constant query count."""
    if not entries:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must run inside the transaction of the changes it records")
    ctx = context.current()
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS})
    prev, events, now = head.last_hash, [], timezone.now()
    for entry in entries:
        actor, obj = entry.get("actor"), entry.get("obj")
        event = AuditEvent(
            at=entry.get("at") or now,
            actor=actor if actor is not None and actor.pk else None,
            actor_username=getattr(actor, "username", "") or entry.get("actor_username", ""),
            action=entry["action"],
            object_type=entry.get("object_type") or (obj._meta.model_name if obj is not None else ""),
            object_id=str(entry.get("object_id") or (obj.pk if obj is not None else "")),
            from_status=entry.get("from_status", ""),
            to_status=entry.get("to_status", ""),
            step=entry.get("step"),
            revision=entry.get("revision"),
            comment=entry.get("comment", ""),
            data=entry.get("data") or {},
            ip=ctx.ip,
            request_id=ctx.request_id,
            prev_hash=prev,
        )
        event.hash = prev = _digest(_payload(event))
        events.append(event)
    # One multi-row INSERT assigns ids in row order, the order verify_chain walks.
    events = AuditEvent.objects.bulk_create(events)
    head.last_hash, head.last_event_id = events[-1].hash, events[-1].pk
    head.save(update_fields=["last_hash", "last_event_id"])
    return events


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000) -> VerifyResult:
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.pk, "prev_hash does not match the previous event")
        if _digest(_payload(event)) != event.hash:
            return VerifyResult(False, checked, event.pk, "content does not match its hash")
        prev = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != prev:
        return VerifyResult(False, checked, None, "the chain was truncated: its last event is missing")
    return VerifyResult(True, checked)
