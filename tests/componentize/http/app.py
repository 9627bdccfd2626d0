"""A `wasi:http/proxy` app in componentize-py's API: `POST /echo` streams the request body back
as it arrives through the `poll_loop` coroutines (`Stream`, `Sink`) on a `PollLoop`;
`POST /echo-blocking` does the same with the blocking stream calls; `GET /hello` answers
with what the request carried after two concurrent `asyncio.sleep`s."""
import asyncio
import json

import poll_loop
from componentize_py_types import Err, Ok
from poll_loop import PollLoop, Sink, Stream
from wit_world import exports
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingRequest,
    Method_Get,
    Method_Post,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        method = request.method()
        path = request.path_with_query()
        if isinstance(method, Method_Post) and path == "/echo-blocking":
            echo_blocking(request, response_out)
            return
        if path == "/forever":
            forever(response_out)
            return
        loop = PollLoop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(handle_async(method, path, request, response_out))


def start(response_out: ResponseOutparam, status: int, headers):
    response = OutgoingResponse(Fields.from_list(headers))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    return body


async def handle_async(method, path, request: IncomingRequest, response_out: ResponseOutparam) -> None:
    headers = request.headers().entries()
    if isinstance(method, Method_Post) and path == "/echo":
        sink = Sink(start(response_out, 200, [kv for kv in headers if kv[0] == "content-type"]))
        stream = Stream(request.consume())
        while (chunk := await stream.next()) is not None:
            await sink.send(chunk)
        sink.close()
    elif isinstance(method, Method_Get) and path.startswith("/hello"):
        slept = await asyncio.gather(nap(0.02, "a"), nap(0.01, "b"))
        agent = dict(headers).get("user-agent", b"").decode()
        text = json.dumps({"path": path, "agent": agent, "slept": slept}).encode()
        sink = Sink(start(response_out, 200, [("content-type", b"application/json")]))
        await sink.send(text)
        sink.close()
    else:
        sink = Sink(start(response_out, 404, []))
        await sink.send(b"not found\n")
        sink.close()


async def nap(seconds: float, name: str) -> str:
    await asyncio.sleep(seconds)
    return name


def forever(response_out: ResponseOutparam) -> None:
    """`run_forever` until a timer's callback stops the loop; tasks made by a task factory."""
    loop = PollLoop()
    made = []
    loop.set_task_factory(lambda loop, coro, context=None: made.append(1) or asyncio.Task(coro, loop=loop))
    seen = []
    loop.call_soon(seen.append, "soon")
    loop.call_later(0.01, lambda: (seen.append("timer"), loop.stop()))
    loop.create_task(nap(0, "task")).add_done_callback(lambda t: seen.append(t.result()))
    loop.run_forever()
    body = start(response_out, 200, [])
    with body.write() as out:
        out.blocking_write_and_flush(json.dumps({"seen": seen, "factory": len(made)}).encode())
    OutgoingBody.finish(body, None)


def echo_blocking(request: IncomingRequest, response_out: ResponseOutparam) -> None:
    body = start(response_out, 200, [])
    incoming = request.consume()
    with body.write() as out, incoming.stream() as stream:
        while True:
            try:
                chunk = stream.blocking_read(65536)
            except Err as e:
                if isinstance(e.value, StreamError_Closed):
                    break
                raise
            # `blocking-write-and-flush` takes at most 4096 bytes at a time.
            for i in range(0, len(chunk), 4096):
                out.blocking_write_and_flush(chunk[i : i + 4096])
    OutgoingBody.finish(body, None)


assert poll_loop.send  # componentize-py's API: outgoing requests (not exercised offline)
