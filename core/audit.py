"""The hash-chained audit trail. `record` must run inside the caller's transaction, so an event exists exactly
when the change it describes was committed.

The chain is keyed: each event's hash is an HMAC-SHA256 with settings.AUDIT_HMAC_KEY (never in the database), so
someone who can write the table cannot write a chain that verifies. Events from before the key (`keyed` false) keep
their plain SHA-256 and still verify, but none may follow a keyed one. The head of the chain (count, last id and
hash) is also kept outside the database, in settings.AUDIT_CHECKPOINT_FILE: `verify_audit` compares the table with
it and then moves it forward, so events missing at the end, or all of them, are found."""

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import context
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
_HASHED_FIELDS = (
    "at", "actor_id", "actor_username", "action", "object_type", "object_id", "from_status", "to_status",
    "step", "revision", "comment", "data", "ip", "request_id", "prev_hash",
)  # fmt: skip


def _digest(values: dict, *, keyed: bool = True) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode(
        "utf-8"
    )
    if not keyed:
        return hashlib.sha256(canonical).hexdigest()  # events recorded before the chain was keyed
    return hmac.new(_key(), canonical, hashlib.sha256).hexdigest()


def _key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode("utf-8")


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
        keyed=True,
    )
    event.hash = _digest(_payload(event))
    event.save()  # the INSERT moves the head onto it (core/migrations/0002: a trigger)
    return event


def record_many(entries: list[dict]) -> list[AuditEvent]:
    """Several events (each the keyword arguments of `record`, plus an optional `at` for the national data
    generator's history) chained in order, in two queries whatever their number (the head, the INSERT): the set-based writers (a
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
            keyed=True,
        )
        event.hash = prev = _digest(_payload(event))
        events.append(event)
    # One multi-row INSERT assigns ids in row order, the order verify_chain walks, and moves the head onto the last
    # (core/migrations/0002: a trigger on the events table).
    events = AuditEvent.objects.bulk_create(events)
    return events


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000, *, checkpoint: dict | None = None) -> VerifyResult:
    """Recompute the chain; with a checkpoint (read_checkpoint()), also check that the events it counted are all
    still there, ending at the hash it saw."""
    prev = GENESIS
    checked = 0
    seen_keyed = False
    at_checkpoint = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.pk, "prev_hash does not match the previous event")
        if seen_keyed and not event.keyed:
            return VerifyResult(False, checked, event.pk, "an unkeyed event after the chain was keyed")
        if not hmac.compare_digest(_digest(_payload(event), keyed=event.keyed), event.hash):
            return VerifyResult(False, checked, event.pk, "content does not match its hash")
        seen_keyed = seen_keyed or event.keyed
        prev = event.hash
        checked += 1
        if checkpoint and event.pk == checkpoint["last_id"]:
            at_checkpoint = (checked, event.hash)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != prev:
        return VerifyResult(False, checked, None, "the chain was truncated: its last event is missing")
    if checkpoint and checkpoint["count"]:
        if at_checkpoint is None:
            return VerifyResult(False, checked, None, f"events are missing: the checkpoint counted {checkpoint['count']} "
                                f"up to event #{checkpoint['last_id']}, which is gone")  # fmt: skip
        if at_checkpoint != (checkpoint["count"], checkpoint["hash"]):
            return VerifyResult(False, checked, None, "the events up to the checkpoint differ from what it counted")
    return VerifyResult(True, checked)


# --- the checkpoint outside the database ------------------------------------------------------------------------


def _checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _seal(values: dict) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(_key(), b"checkpoint:" + canonical, hashlib.sha256).hexdigest()


def chain_head() -> dict:
    """What a checkpoint records: how many events there are, the last one's id and hash."""
    last = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    if last is None:
        return {"count": 0, "last_id": None, "hash": GENESIS}
    return {"count": AuditEvent.objects.filter(id__lte=last["id"]).count(), "last_id": last["id"], "hash": last["hash"]}


class CheckpointInvalid(Exception):
    pass


def read_checkpoint() -> dict | None:
    """The saved head, or None when there is none yet; CheckpointInvalid when it was altered."""
    path = _checkpoint_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        values = {k: data[k] for k in ("count", "last_id", "hash")}
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointInvalid(f"{path} cannot be read: {exc}") from None
    if not hmac.compare_digest(_seal(values), str(data.get("seal", ""))):
        raise CheckpointInvalid(f"{path} was altered (its seal does not match)")
    return values


def write_checkpoint(head: dict) -> Path:
    path = _checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**head, "seal": _seal(head)}, indent=1), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a crash leaves the old checkpoint, never half a file
    return path
