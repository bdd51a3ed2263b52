"""Clients a server meets in the wild, against a running `adgen serve`: slow ones that trickle a request a byte at a
time, event-stream clients that hang up mid-stream, and one that sends half a body and stops. While they are
connected, an ordinary client's request must still be answered quickly.

Usage: hostile_clients.py HOST PORT KEY BATCH
Prints one JSON object: the ordinary requests' slowest seconds, how many of them got 200, and the errors seen.
"""

import asyncio
import json
import sys
import time


async def trickle(host, port, seconds):
    """Sends a request's head one byte every 100 ms, for `seconds` (slowloris)."""
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Padding: {'x' * 2000}\r\n"
    deadline = time.monotonic() + seconds
    try:
        for byte in request.encode():
            if time.monotonic() > deadline:
                break
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
    except (ConnectionError, OSError):
        pass
    writer.close()


async def hang_up(host, port, key, batch):
    """Opens the batch's event stream, reads its first bytes, and drops the connection."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /v1/batches/{batch}/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    await writer.drain()
    await reader.read(256)
    writer.transport.abort()


async def half_body(host, port, key):
    """Announces a 5 MB campaign, sends 1 KB of it, and stops."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"POST /v1/batches HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                  "Content-Type: application/yaml\r\nContent-Length: 5000000\r\n\r\n").encode() + b"#" * 1024)
    await writer.drain()
    await asyncio.sleep(3)
    writer.transport.abort()


async def ordinary(host, port, key):
    start = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /v1/sizes HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data.startswith(b"HTTP/1.1 200"), time.monotonic() - start


async def main():
    host, port, key, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    hostile = [asyncio.create_task(trickle(host, port, 4)) for _ in range(50)]
    hostile += [asyncio.create_task(hang_up(host, port, key, batch)) for _ in range(50)]
    hostile += [asyncio.create_task(half_body(host, port, key)) for _ in range(5)]
    await asyncio.sleep(0.5)
    results = []
    for _ in range(20):
        results.append(await ordinary(host, port, key))
        await asyncio.sleep(0.1)
    outcomes = await asyncio.gather(*hostile, return_exceptions=True)
    errors = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    print(json.dumps({
        "ordinary_ok": sum(1 for ok, _ in results if ok),
        "ordinary_slowest_s": round(max(s for _, s in results), 3),
        "hostile_errors": len(errors),
        "first_error": errors[0] if errors else None,
    }))


asyncio.run(main())
