"""The server's user errors, each carrying its HTTP status: one handler turns any of them into
``{"detail": "one line"}`` with that status (a bad name is 404, anything else a user sends 422)."""

from __future__ import annotations

from frugalbench.errors import UserError


class WebError(UserError):
    status = 422


class Unauthorized(WebError):
    status = 401


class Forbidden(WebError):
    status = 403


class NotFound(WebError):
    status = 404


class TooLarge(WebError):
    status = 413


class TooMany(WebError):
    status = 429


class Unavailable(WebError):
    status = 503


class ServerMisconfigured(Unavailable):
    """The organiser's setup, not a team's model, stops evaluations: said as such."""
