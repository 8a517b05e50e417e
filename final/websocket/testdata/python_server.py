"""An independent WebSocket echo server for the client's interop test.

It uses the Python websockets library (Debian: python3-websockets), which
shares no code with ours, and prints the port it listens on.
Usage: python3 python_server.py plain|deflate [CERT KEY]
With "deflate" it accepts permessage-deflate; with CERT and KEY it speaks wss://.
"""
import asyncio
import ssl
import sys

import websockets


async def echo(ws, *_):
    async for message in ws:
        await ws.send(message)


async def main(compression, cert, key):
    context = None
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    async with websockets.serve(echo, "127.0.0.1", 0, compression=compression,
                                ssl=context, max_size=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    args = sys.argv[1:] + [None, None]
    asyncio.run(main("deflate" if args[0] == "deflate" else None, args[1], args[2]))
