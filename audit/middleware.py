"""Gives every request an id (the client's X-Request-ID when sane) and records its client IP, so
that `audit.record()` can note both without each service passing the request along."""

from audit.context import context_of, current


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context_of(request)
        request.audit_context = ctx
        request.request_id = ctx.request_id
        token = current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response.setdefault("X-Request-ID", ctx.request_id)
        return response
