"""A `wasi:http/proxy` app in componentize-py's API, written without asyncio: `POST /echo`
streams the request body back as it arrives; `GET /` answers with what the request carried,
compressed by zlib when the forge has the cap."""
import json

from componentize_py_types import Err, Ok
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


def respond(response_out: ResponseOutparam, status: int, headers, chunks) -> None:
    response = OutgoingResponse(Fields.from_list(headers))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    with body.write() as out:
        for chunk in chunks:
            # `blocking-write-and-flush` takes at most 4096 bytes at a time.
            for i in range(0, len(chunk), 4096):
                out.blocking_write_and_flush(chunk[i : i + 4096])
    OutgoingBody.finish(body, None)


def request_body(request: IncomingRequest):
    """The body's chunks, as they arrive."""
    body = request.consume()
    with body.stream() as stream:
        while True:
            try:
                yield stream.blocking_read(65536)
            except Err as e:
                if isinstance(e.value, StreamError_Closed):
                    break
                raise


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        method = request.method()
        path = request.path_with_query()
        if isinstance(method, Method_Post) and path == "/echo":
            kind = [v for k, v in request.headers().entries() if k == "content-type"]
            respond(response_out, 200, [("content-type", kind[0] if kind else b"application/octet-stream")],
                    request_body(request))
        elif isinstance(method, Method_Get) and path.startswith("/hello"):
            headers = {k: v.decode() for k, v in request.headers().entries()}
            text = json.dumps({"path": path, "agent": headers.get("user-agent", "")}).encode()
            respond(response_out, 200, [("content-type", b"application/json")], [text])
        else:
            respond(response_out, 404, [], [b"not found\n"])
