"""WhiteNoise in an async middleware chain.

WhiteNoise's middleware is sync only, and one sync middleware makes Django run the whole chain,
and every async view under it, on a worker thread: the API's views then run in a task of their
own that a client's disconnect never cancels. AsyncWhiteNoiseMiddleware serves the same files,
off the event loop, and passes every other request on without leaving it."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        super().__init__(get_response)
        assert iscoroutinefunction(get_response), "the next middleware must be async-capable"
        markcoroutinefunction(self)

    async def __call__(self, request):
        if self.autorefresh:  # DEBUG: files looked up on each request, as WhiteNoise does
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
