"""An asyncio event loop over `wasi:io/poll`, with `wasi:http` body streams as coroutines.

pyforge's own module with the API componentize-py bundles under this name (`PollLoop`,
`register`, `Stream`, `Sink`, `send`), so apps written for it build unchanged. Embedded next to
the generated bindings when the world imports `wasi:io/poll`; `@WORLD@` is the bindings
package, `@HTTP_TYPES@` the module of `wasi:http/types`.
"""

import asyncio
import collections
import heapq
import itertools
from typing import Optional

from componentize_py_types import Err, Ok
from @WORLD@.imports import poll

READ_SIZE = 16 * 1024


class PollLoop(asyncio.AbstractEventLoop):
    """Runs tasks until each waits on a pollable, then blocks in `poll` until one is ready."""

    def __init__(self):
        self._ready = collections.deque()
        self._waiting = []  # (pollable, future)
        self._timers = []  # heap of (when, seq, handle)
        self._seq = itertools.count()
        self._running = False
        self._stopping = False
        self._closed = False
        self._task_factory = None
        self._debug = False
        self._exception_handler = None

    # --- running ---------------------------------------------------------------------

    def run_until_complete(self, future):
        future = asyncio.ensure_future(future, loop=self)
        self._run(future.done)
        return future.result()

    def run_forever(self):
        """Runs until `stop()` is called (by a callback or a task)."""
        self._stopping = False
        self._run(lambda: self._stopping)

    def _run(self, done):
        if self._running:
            raise RuntimeError("PollLoop is already running")
        self._running = True
        asyncio.events._set_running_loop(self)
        try:
            while not done():
                if not self._run_once() and not done():
                    raise RuntimeError("PollLoop: no task is ready and none waits on a pollable (a deadlock)")
        finally:
            self._running = False
            asyncio.events._set_running_loop(None)

    def _run_once(self) -> bool:
        """Runs what is ready, then waits for a pollable or a timer; False when nothing could."""
        ran = bool(self._ready)
        while self._ready:
            handle = self._ready.popleft()
            if not handle._cancelled:
                handle._run()
        if self._ready:
            return True
        pollables, futures = [], []
        for pollable, future in self._waiting:
            pollables.append(pollable)
            futures.append(future)
        timer = None
        if self._timers:
            from @WORLD@.imports import monotonic_clock

            when = self._timers[0][0]
            timer = monotonic_clock.subscribe_instant(max(0, int(when * 1e9)))
            pollables.append(timer)
        if not pollables:
            return ran
        ready = set(poll.poll(pollables))
        still = []
        for i, (pollable, future) in enumerate(self._waiting):
            if i in ready:
                pollable.__exit__()
                if not future.done():
                    future.set_result(None)
            else:
                still.append((pollable, future))
        self._waiting = still
        if timer is not None:
            timer.__exit__()
            now = self.time()
            while self._timers and self._timers[0][0] <= now:
                _, _, handle = heapq.heappop(self._timers)
                if not handle._cancelled:
                    self._ready.append(handle)
        return True

    def is_running(self):
        return self._running

    def is_closed(self):
        return self._closed

    def stop(self):
        self._stopping = True

    def close(self):
        self._closed = True

    async def shutdown_asyncgens(self):
        pass

    async def shutdown_default_executor(self, timeout=None):
        pass

    # --- scheduling ------------------------------------------------------------------

    def call_soon(self, callback, *args, context=None):
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready.append(handle)
        return handle

    call_soon_threadsafe = call_soon

    def call_later(self, delay, callback, *args, context=None):
        return self.call_at(self.time() + max(0.0, delay), callback, *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        handle = asyncio.TimerHandle(when, callback, args, self, context=context)
        heapq.heappush(self._timers, (when, next(self._seq), handle))
        return handle

    def _timer_handle_cancelled(self, handle):
        pass

    def time(self):
        from @WORLD@.imports import monotonic_clock

        return monotonic_clock.now() / 1e9

    def create_future(self):
        return asyncio.Future(loop=self)

    def create_task(self, coro, *, name=None, context=None):
        if self._task_factory is not None:
            task = self._task_factory(self, coro, context=context)
            if name is not None:
                task.set_name(name)
            return task
        return asyncio.Task(coro, loop=self, name=name, context=context)

    # --- errors and debug ------------------------------------------------------------

    def get_debug(self):
        return self._debug

    def set_debug(self, enabled):
        self._debug = enabled

    def get_exception_handler(self):
        return self._exception_handler

    def set_exception_handler(self, handler):
        self._exception_handler = handler

    def default_exception_handler(self, context):
        exception = context.get("exception")
        if exception is not None:
            raise exception
        raise RuntimeError(context.get("message", "an error in the event loop"))

    def call_exception_handler(self, context):
        if self._exception_handler is not None:
            self._exception_handler(self, context)
        else:
            self.default_exception_handler(context)

    def get_task_factory(self):
        return self._task_factory

    def set_task_factory(self, factory):
        self._task_factory = factory


async def register(loop: PollLoop, pollable) -> None:
    """Waits until `pollable` is ready (and drops it)."""
    future = loop.create_future()
    loop._waiting.append((pollable, future))
    await future


class Stream:
    """An incoming body's bytes, read as they arrive."""

    def __init__(self, body):
        self.body = body
        self.stream = body.stream()

    async def next(self) -> Optional[bytes]:
        """The next chunk, or None at the end of the body."""
        from @WORLD@.imports.streams import StreamError_Closed
        from @WORLD@.imports.@HTTP_TYPES@ import IncomingBody

        while self.stream is not None:
            try:
                chunk = self.stream.read(READ_SIZE)
            except Err as e:
                if not isinstance(e.value, StreamError_Closed):
                    raise
                self.stream.__exit__()
                self.stream = None
                IncomingBody.finish(self.body).__exit__()
                self.body = None
                return None
            if chunk:
                return chunk
            await register(asyncio.get_running_loop(), self.stream.subscribe())
        return None


class Sink:
    """An outgoing body, written as the peer takes it."""

    def __init__(self, body):
        self.body = body
        self.stream = body.write()

    async def send(self, chunk: bytes) -> None:
        """Writes all of `chunk`, waiting while the stream is full."""
        offset = 0
        while offset < len(chunk):
            room = self.stream.check_write()
            if room == 0:
                await register(asyncio.get_running_loop(), self.stream.subscribe())
                continue
            count = min(room, len(chunk) - offset)
            self.stream.write(chunk[offset : offset + count])
            offset += count

    def close(self) -> None:
        """Flushes and ends the body (no trailers)."""
        from @WORLD@.imports.@HTTP_TYPES@ import OutgoingBody

        self.stream.blocking_flush()
        self.stream.__exit__()
        OutgoingBody.finish(self.body, None)


async def send(request):
    """Sends an outgoing request through `wasi:http/outgoing-handler`; its response."""
    from @WORLD@.imports import outgoing_handler

    future = outgoing_handler.handle(request, None)
    while True:
        response = future.get()
        if response is None:
            await register(asyncio.get_running_loop(), future.subscribe())
            continue
        future.__exit__()
        if isinstance(response, Err):
            raise response
        inner = response.value
        if isinstance(inner, Ok):
            return inner.value
        raise inner
