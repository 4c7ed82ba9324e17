"""The built-in demo server: both vendor API styles over a deterministic dataset.

``DemoServer`` (``server.py``) runs on loopback in a background thread for tests;
``DemoServerProcess`` (``process.py``) runs it in a child process for ``inbox-tui --demo``;
``serve()`` runs it in the foreground for curl (``inbox-tui demo-server``). Both servers
share ``endpoint.py`` (address, credentials, ``with``) and ``listen.py`` (the socket).
Modules, one job each:

* ``dataset.py`` / ``content.py``: the generated records (``build_dataset``) and word lists.
* ``heymarket_api.py``, ``workspace_api.py``: the two contracts (``/work/shared/api``),
  rendering JSON per request. Their module docstrings list where the contracts are silent
  and which choice the demo made (e.g. 404 for an unknown phone in an inbox).
* ``auth.py``: team key / HS256 JWT / workspace token checks.
* ``faults.py``: ``FaultConfig`` (429 + Retry-After, 5xx, stall, drop, truncate; a schedule
  or a rate) and request ``Stats``.
* ``app.py``: the raw ASGI app: request ids, latency, faults, routing, ``/_demo/`` control
  endpoints (``GET /_demo/stats``, ``DELETE /_demo/stats``, ``GET|PUT /_demo/faults``) and
  ``/_demo/media/*`` (a tiny PNG for every MMS media URL). No auth on ``/_demo/``.
"""
