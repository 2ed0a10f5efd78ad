"""The HTTP API (``xinping serve``): departments' credit checks under ``/v1``.

* :mod:`~app.api.keys` — one API key per department: scopes, rate limit, issue and revoke.
* :mod:`~app.api.access` — the routes' dependency: the caller's key (401) and its rate (429).
* :mod:`~app.api.limiter` — per-key moving-window rate limits.
* :mod:`~app.api.errors` — the one error body and the exception handlers.
* :mod:`~app.api.departments` — the ``/v1`` routes.
* :mod:`~app.api.server` — :func:`~app.api.server.create_app` and the uvicorn runner.

* :mod:`~app.api.public` — the ``/public`` routes of public disclosure (信用公示, no key).
"""
