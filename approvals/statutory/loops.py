"""pyHanko's synchronous functions run their own event loop (`asyncio.run`). Called from a thread where a loop
already runs (an async server, or a browser driver in the tests), that fails, so the call then goes to a short-lived
worker thread. The calls wrapped here touch no database."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


def outside_event_loop(fn, /, *args, **kwargs):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
