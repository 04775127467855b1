"""pyHanko's synchronous API starts its own event loop; signing or verifying must still work where a loop already
runs in the thread (an async server, Playwright's sync API in the browser tests)."""

import asyncio

from approvals.statutory.loops import outside_event_loop


def _sync_call_that_runs_its_own_loop():
    return asyncio.run(asyncio.sleep(0, result="done"))


def test_a_call_that_runs_its_own_loop_works_inside_a_running_loop():
    async def inside():
        return outside_event_loop(_sync_call_that_runs_its_own_loop)

    assert asyncio.run(inside()) == "done"


def test_without_a_running_loop_the_call_runs_in_this_thread():
    assert outside_event_loop(_sync_call_that_runs_its_own_loop) == "done"
