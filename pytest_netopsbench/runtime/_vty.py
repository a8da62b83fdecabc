"""FRR's vtysh wire protocol over a daemon's unix vty socket: the cheap way to read state often.

A request is the command text plus one NUL; the reply is the output followed by three NULs and a
status byte (0 = success). A socket starts at the enable node, so show commands need no preamble.
"""

from __future__ import annotations

import socket
from pathlib import Path

from ..errors import LabError

__all__ = ["VTY_STATUS", "vty_command"]

VTY_STATUS = {
    0: "success",
    1: "warning",
    2: "unknown command",
    3: "ambiguous command",
    4: "incomplete command",
    5: "not my instance",
    6: "too many matches",
}
_TRAILER = b"\0\0\0"


def vty_command(sock_path: Path, command: str, *, timeout: float = 5.0, device: str = "") -> str:
    """Send one command to a daemon's ``<daemon>.vty`` socket and return its text output."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(sock_path))
            sock.sendall(command.encode() + b"\0")
            buf = bytearray()
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    raise LabError(
                        f"vty socket {sock_path} closed mid-reply to {command!r}", step="vty", device=device
                    )
                buf += chunk
                # The trailer is 3 NULs then the status byte; output itself never contains NUL.
                if len(buf) >= 4 and buf[-4:-1] == _TRAILER:
                    break
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise LabError(
            f"daemon not reachable at {sock_path} ({exc.strerror}); is the lab up?", step="vty", device=device
        ) from None
    except BlockingIOError:
        # A hung daemon stops accepting: once its listen backlog is full, connect fails with EAGAIN.
        raise LabError(
            f"no reply within {timeout:g}s to {command!r} on {sock_path} (daemon not accepting)",
            step="vty",
            device=device,
        ) from None
    except TimeoutError:
        raise LabError(
            f"no reply within {timeout:g}s to {command!r} on {sock_path}", step="vty", device=device
        ) from None
    status = buf[-1]
    text = buf[:-4].decode(errors="replace")
    if status not in (0, 1):
        raise LabError(
            f"{command!r} failed: {VTY_STATUS.get(status, status)}: {text.strip()}", step="vty", device=device
        )
    return text
