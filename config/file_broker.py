"""The embedded file broker (`make run`, no `CELERY_BROKER_URL`), with messages written atomically.

kombu's file transport creates a message file, then writes it. A worker looking at the folder in between moves the
file away, reads nothing, and stops with "Unrecoverable error: JSONDecodeError" (kombu 5.7: `_get` does not honour
the writer's lock). With the 50 ms poll this happened within a few dozen tasks (bench/small_export.py). Here a message
is written under a name the worker does not read and renamed into place once complete: a rename within one folder is
atomic, so the worker sees a whole message or none.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL_SUFFIX = ".part"  # `_get` takes only names ending in ".<queue>.msg"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: the same name as kombu's, written to a partial file first."""
        name = os.path.join(self.data_folder_out, f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg")
        partial = name + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, name)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
