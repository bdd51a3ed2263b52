"""N concurrent server-sent-event clients on one batch: each opens GET /v1/batches/{id}/events with the key, reads
until the stream ends, and counts its creative events. Prints one JSON object: clients, how many got every event
(`--expect`), the slowest client's seconds, and errors.

Usage: sse_clients.py HOST PORT KEY BATCH CLIENTS EXPECT
"""

import asyncio
import json
import sys
import time


async def client(host: str, port: int, key: str, batch: str) -> tuple[int, bool, float]:
    start = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (f"GET /v1/batches/{batch}/events HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
         "Accept: text/event-stream\r\n\r\n").encode()
    )
    await writer.drain()
    events = 0
    completed = False
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        buffer += chunk
        events += chunk.count(b"event: creative.completed")
        if b"event: batch.completed" in buffer[-4096:]:
            completed = True
            break
        buffer = buffer[-64:]
    writer.close()
    return events, completed, time.monotonic() - start


async def main() -> None:
    host, port, key, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    clients, expect = int(sys.argv[5]), int(sys.argv[6])
    results = await asyncio.gather(*(client(host, port, key, batch) for _ in range(clients)), return_exceptions=True)
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    done = [r for r in results if not isinstance(r, BaseException)]
    print(json.dumps({
        "clients": clients,
        "all_events": sum(1 for events, completed, _ in done if events == expect and completed),
        "min_events": min((events for events, _, _ in done), default=0),
        "slowest_s": round(max((s for _, _, s in done), default=0), 2),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }))


asyncio.run(main())
