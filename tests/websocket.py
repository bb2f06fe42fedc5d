"""The site's WebSocket for tests, through channels' WebsocketCommunicator (no server)."""

from contextlib import asynccontextmanager

from channels.testing import WebsocketCommunicator


@asynccontextmanager
async def site_socket(client: tuple[str, int] | None = None):
    """A connected /ws/generate/ socket, as a browser on the site opens it (from `client`, an
    (address, port), as a server would see it)."""
    from loraland_site.asgi import application  # after Django's test settings are in place

    communicator = WebsocketCommunicator(
        application, "/ws/generate/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    if client is not None:
        communicator.scope["client"] = client
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def receive_until_finished(ws, timeout=60) -> list[dict]:
    """Frames up to and including the stream's `done` or `error`."""
    frames = []
    while not frames or frames[-1]["type"] not in ("done", "error"):
        frames.append(await ws.receive_json_from(timeout=timeout))
    return frames
