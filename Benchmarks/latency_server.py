#!/usr/bin/env python3
"""A provider server with a fixed latency, for run-dispatch.sh (issue 4, "Speed and memory").

    latency_server.py [--port 0] [--latency-ms 200] [--port-file FILE]

Answers every `POST` as adgen's generic `http` provider expects (the shape of AdgenTesting's CountingImageServer):
the request body is JSON `{prompt, seed, width, height, model, ...}`, the answer, after the latency, is
`{"id": "req-N", "image": "<base64 PNG of width x height>"}`. The latency of one request is `?latency_ms=N` in its
URL when given, else `--latency-ms`. The PNG of each size is made once (zlib by hand, a flat grey) and cached, so
an answer costs the server next to nothing.

HTTP/1.1 with keep-alive on asyncio: every connection is served concurrently, so any number of requests in flight
wait out their latency side by side, none queued behind another. `GET /stats` answers
`{"requests": N, "peak_in_flight": P, "in_flight": I}`; `POST /reset` zeroes the counters.

The port (0: any free one) is printed on stdout as `port N` once listening, and written to --port-file.
"""

import argparse
import asyncio
import base64
import json
import os
import struct
import sys
import zlib
from urllib.parse import parse_qs, urlsplit

PNGS: dict[tuple[int, int], str] = {}
STATS = {"requests": 0, "peak_in_flight": 0, "in_flight": 0}


def png_base64(width: int, height: int) -> str:
    """A flat grey 8-bit RGB PNG of width x height, base64, made once per size."""
    key = (width, height)
    if key not in PNGS:

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        row = b"\x00" + b"\x80\x80\x80" * width
        raw = zlib.compress(row * height, 9)
        png = (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw)
            + chunk(b"IEND", b"")
        )
        PNGS[key] = base64.b64encode(png).decode("ascii")
    return PNGS[key]


def response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, default_latency: float) -> None:
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            length = 0
            close = False
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            body = await reader.readexactly(length) if length else b""
            url = urlsplit(target)
            if method == "GET" and url.path == "/stats":
                writer.write(response("200 OK", json.dumps(STATS).encode()))
            elif method == "POST" and url.path == "/reset":
                STATS.update(requests=0, peak_in_flight=0, in_flight=0)
                writer.write(response("200 OK", b"{}"))
            elif method == "POST":
                STATS["requests"] += 1
                number = STATS["requests"]
                STATS["in_flight"] += 1
                STATS["peak_in_flight"] = max(STATS["peak_in_flight"], STATS["in_flight"])
                try:
                    query = parse_qs(url.query)
                    latency = float(query["latency_ms"][0]) / 1000 if "latency_ms" in query else default_latency
                    request = json.loads(body)
                    image = png_base64(int(request["width"]), int(request["height"]))
                    if latency > 0:
                        await asyncio.sleep(latency)
                finally:
                    STATS["in_flight"] -= 1
                answer = '{"id": "req-%d", "image": "%s"}' % (number, image)
                writer.write(response("200 OK", answer.encode("ascii")))
            else:
                writer.write(response("404 Not Found", b'{"error": "not found"}'))
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--port-file")
    options = parser.parse_args()
    latency = options.latency_ms / 1000
    server = await asyncio.start_server(
        lambda reader, writer: serve(reader, writer, latency), options.host, options.port, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    if options.port_file:
        with open(options.port_file + ".tmp", "w") as file:
            file.write(f"{port}\n")
        os.replace(options.port_file + ".tmp", options.port_file)
    print(f"port {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
