"""The embedded file broker writes a message whole before a worker can see it (a worker that read a half-written
message stopped for good: "Unrecoverable error: JSONDecodeError")."""

import os
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection
from kombu.exceptions import ChannelError

from config import file_broker


def channel_on(folder):
    conn = Connection(
        transport="config.file_broker:Transport",
        transport_options={"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False},
    )
    return conn, conn.default_channel


def test_the_embedded_default_uses_the_atomic_transport():
    if settings.BROKER_IS_EMBEDDED:
        assert settings.CELERY_BROKER_TRANSPORT == "config.file_broker:Transport"
    else:
        assert not hasattr(settings, "CELERY_BROKER_TRANSPORT")


def test_a_message_is_invisible_to_the_worker_until_it_is_whole(tmp_path, monkeypatch):
    conn, channel = channel_on(tmp_path)
    seen_while_writing = []
    real_replace = os.replace

    def replace(src, dst):
        assert src.endswith(".msg.part") and os.path.getsize(src) > 0
        try:
            seen_while_writing.append(channel._get("celery"))
        except Empty:
            seen_while_writing.append(None)
        real_replace(src, dst)

    monkeypatch.setattr(file_broker.os, "replace", replace)
    channel._put("celery", {"body": "x" * 10_000})
    monkeypatch.undo()
    assert seen_while_writing == [None]
    assert channel._get("celery") == {"body": "x" * 10_000}
    assert list(tmp_path.iterdir()) == []
    conn.release()


def test_a_failed_write_is_a_channel_error(tmp_path):
    conn, channel = channel_on(tmp_path)
    channel.data_folder_out = str(tmp_path / "missing")
    with pytest.raises(ChannelError):
        channel._put("celery", {"body": 1})
    conn.release()
