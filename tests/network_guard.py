"""Forbid every network connection in this process: socket creation and name lookups.

`forbid_network` replaces the constructor of `socket.socket` (so even a reference
taken before the call is caught), `socket.create_connection` and the resolver
functions with ones that record the attempt and raise `NetworkForbidden`. The lock
file's `socket.gethostname()` is left alone: it opens no connection. Attempts are
recorded in `ATTEMPTS` as well, so that code catching the error cannot hide one.
"""

from __future__ import annotations

import builtins
import socket
from collections.abc import Callable
from typing import Any

ATTEMPTS: list[str] = []
RESOLVERS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")


class NetworkForbidden(OSError):
    """Raised by every guarded function."""


def _refusing(what: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        ATTEMPTS.append(f"{what}{args[1:3] if what == 'socket' else args[:2]}")
        raise NetworkForbidden(f"network forbidden in this test: {what}")

    return refuse


def forbid_network(patch: Callable[[object, str, Any], None] = builtins.setattr) -> None:
    """Install the guards (through *patch*, e.g. pytest's ``monkeypatch.setattr``)."""
    patch(socket.socket, "__init__", _refusing("socket"))
    patch(socket, "create_connection", _refusing("create_connection"))
    for name in RESOLVERS:
        patch(socket, name, _refusing(name))
