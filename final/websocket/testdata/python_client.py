"""An independent WebSocket client for final's interop test.

It uses the Python websockets library (Debian: python3-websockets), whose
framing code has nothing in common with ours, to exchange the messages a real
client sends, and prints what came back as JSON for the Go test to check.
Usage: python3 python_client.py ws://127.0.0.1:PORT/xxoo [deflate]
With "deflate" the client offers permessage-deflate (its default) and reports
the extension the server agreed to.
"""
import asyncio
import json
import sys

import websockets


async def main(url, compression):
    got = {}
    async with websockets.connect(url, max_size=None, compression=compression) as ws:
        headers = getattr(ws, "response_headers", None) or ws.response.headers
        got["extensions"] = headers.get("Sec-WebSocket-Extensions", "")
        await ws.send("Hello, 世界")
        got["text"] = await ws.recv()

        await ws.send(b"\x00\x01\xfe\xff")
        reply = await ws.recv()
        got["binary"] = list(reply) if isinstance(reply, bytes) else reply

        # An iterable is sent as one message in several fragments.
        await ws.send(["frag", "mented ", "中文"])
        got["fragmented"] = await ws.recv()

        pong = await ws.ping(b"are you there?")
        await asyncio.wait_for(pong, 10)
        got["pong"] = True

        big = bytes(range(256)) * 4096  # 1 MiB, a 64-bit length
        await ws.send(big)
        got["big_echoed"] = (await ws.recv()) == big

        await ws.close(code=4000, reason="bye")
        got["close_code"] = ws.close_code
    print(json.dumps(got))


asyncio.run(main(sys.argv[1], "deflate" if sys.argv[2:] == ["deflate"] else None))
