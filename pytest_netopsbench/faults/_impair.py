"""Egress impairment of one interface by the best mechanism the kernel has.

``tc netem`` when the kernel has ``sch_netem``; otherwise nftables (``numgen`` loss in a netdev
egress chain) for plain loss, and the NFQUEUE shaper (``_shaper.py``) for delay, jitter and
corruption. nftables raw payload writes do not fix checksums of offloaded TCP/UDP on veth, so
corruption goes through the shaper, which the receiver's checksum check really catches.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import signal
import subprocess
import sys
import tempfile
from typing import IO, Literal

from pydantic import BaseModel

from ..errors import CapabilityError, FaultError
from ..runtime import Lab
from ._caps import host_capabilities
from ._ops import netns_of, nft_apply, nft_delete_table, run, stop_processes
from ._shaper import READY, ShaperConfig, bootstrap

__all__ = ["Backend", "ImpairSpec", "Impairment", "choose_backend"]

Backend = Literal["auto", "netem", "nft", "nfqueue"]
_TABLE = "qos"  # nft table name an operator might use for policing/marking
_TAG_ENV = "WORKER_TAG"  # environment mark of a running shaper (see _tag)
#: a shaper not bound within this many seconds is not coming (it binds in milliseconds when well)
_READY_TIMEOUT_S = 30.0


class ImpairSpec(BaseModel):
    loss_pct: float = 0.0
    corrupt_pct: float = 0.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0


def choose_backend(spec: ImpairSpec, wanted: Backend = "auto", caps: frozenset[str] | None = None) -> str:
    have = host_capabilities() if caps is None else caps
    if wanted != "auto":
        need = {"netem": "netem", "nft": "nftables", "nfqueue": "nfqueue"}[wanted]
        if need not in have:
            raise CapabilityError(
                f"impairment backend {wanted!r} needs {need}, which this host lacks", hint="use backend: auto"
            )
        if wanted == "nft" and (spec.delay_ms or spec.jitter_ms or spec.corrupt_pct):
            raise CapabilityError(
                "the nft backend only drops packets; delay, jitter and corruption need netem or nfqueue"
            )
        return wanted
    if "netem" in have:
        return "netem"
    if not (spec.delay_ms or spec.jitter_ms or spec.corrupt_pct) and "nftables" in have:
        return "nft"
    if "nfqueue" in have:
        return "nfqueue"
    raise CapabilityError(
        "no impairment mechanism: the kernel has neither sch_netem nor xt_NFQUEUE",
        hint="install iptables, or use a kernel with CONFIG_NET_SCH_NETEM",
    )


class Impairment:
    """One installed impairment; ``remove`` is idempotent and leaves no rule, qdisc or process."""

    def __init__(self, device: str, interface: str, spec: ImpairSpec, backend: Backend = "auto") -> None:
        self.device, self.interface, self.spec = device, interface, spec
        self.backend = choose_backend(spec, backend)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._queue = 1 + sum(map(ord, interface)) % 200  # per-namespace queue number, stable per port

    @property
    def chain(self) -> str:
        return f"egress_{self.interface}"

    def _nfqueue_rule(self, op: str) -> list[str]:
        return [
            "iptables",
            "-t",
            "mangle",
            op,
            "POSTROUTING",
            "-o",
            self.interface,
            "-j",
            "NFQUEUE",
            "--queue-num",
            str(self._queue),
            "--queue-bypass",
        ]

    def install(self, lab: Lab) -> None:
        s, dev, itf = self.spec, self.device, self.interface
        if self.backend == "netem":
            argv = ["tc", "qdisc", "replace", "dev", itf, "root", "netem"]
            if s.delay_ms:
                argv += ["delay", f"{s.delay_ms:g}ms"] + ([f"{s.jitter_ms:g}ms"] if s.jitter_ms else [])
            if s.loss_pct:
                argv += ["loss", f"{s.loss_pct:g}%"]
            if s.corrupt_pct:
                argv += ["corrupt", f"{s.corrupt_pct:g}%"]
            run(lab, dev, argv)
        elif self.backend == "nft":
            nft_delete_table(lab, dev, "netdev", _TABLE)
            nft_apply(
                lab,
                dev,
                (
                    f"table netdev {_TABLE} {{\n"
                    f"  chain {self.chain} {{\n"
                    f'    type filter hook egress device "{itf}" priority 0; policy accept;\n'
                    f"    numgen random mod 100 < {round(s.loss_pct)} counter drop\n"
                    "  }\n}\n"
                ),
            )
        else:
            self._start_shaper(lab)
            run(lab, dev, self._nfqueue_rule("-A"))

    def _shaper_netns(self, lab: Lab) -> str:
        """Where the shaper's queue lives (the wire's namespace for a physical-layer impairment)."""
        return netns_of(lab, self.device)

    def _start_shaper(self, lab: Lab) -> None:
        s = self.spec
        # Started from the harness's namespace: it opens its queue inside the device and returns, so
        # the device's process list never shows it (see _shaper.py). Its program and settings go
        # in on stdin: its argv is a bare ``python -``, naming no device, queue or parameter.
        config = ShaperConfig(
            queue=self._queue,
            delay_ms=s.delay_ms,
            jitter_ms=s.jitter_ms,
            loss_pct=s.loss_pct,
            corrupt_pct=s.corrupt_pct,
            netns=self._shaper_netns(lab),
            parent_pid=os.getpid(),
        )
        env = {**os.environ, _TAG_ENV: self._tag(lab)}
        # stderr to a file, never an unread pipe: a chatty shaper cannot block on it, and why one
        # died stays readable (``shaper_problem``)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the shaper's life)
        proc = self._proc = subprocess.Popen(
            [sys.executable, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(bootstrap(config).encode())
        proc.stdin.close()
        # The caller adds the rule feeding the queue once this returns: before the bind, the rule's
        # --queue-bypass would pass every packet unshaped for as long as the start takes.
        ready, _, _ = select.select([proc.stdout], [], [], _READY_TIMEOUT_S)
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()
        if line.strip() == READY.encode():
            return
        self._proc = None
        stop_processes([proc])
        why = self._stderr_tail() or (
            f"not bound within {_READY_TIMEOUT_S:g} s" if proc.returncode < 0 else "no output"
        )
        self._stderr.close()
        self._stderr = None
        raise FaultError(
            f"{self.device}: the NFQUEUE shaper for {self.interface} did not start "
            f"(exit {proc.returncode}): {why}"
        )

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()[-300:]

    def shaper_problem(self) -> str | None:
        """Why the shaper this instance started no longer shapes (it exited), or None. For the
        harness's verify: without a listener the rule's --queue-bypass passes every packet unshaped,
        which looks like a healthy link."""
        proc = self._proc
        if proc is None or proc.poll() is None:
            return None
        return (
            f"the NFQUEUE shaper on {self.describe()} exited ({proc.returncode}): "
            f"{self._stderr_tail() or 'no message'}"
        )

    def _tag(self, lab: Lab) -> str:
        """An opaque mark in the shaper's environment (readable by its owner only), so another
        process clearing the fault finds it without argv naming the device or queue."""
        return hashlib.sha256(f"{netns_of(lab, self.device)}:{self._queue}".encode()).hexdigest()[:20]

    def remove(self, lab: Lab) -> None:
        dev = self.device
        if self.backend == "netem":
            res = run(lab, dev, ["tc", "-j", "qdisc", "show", "dev", self.interface], check=False)
            if "netem" in res.stdout:
                run(lab, dev, ["tc", "qdisc", "del", "dev", self.interface, "root"])
        elif self.backend == "nft":
            nft_delete_table(lab, dev, "netdev", _TABLE)
        else:
            for _ in range(8):  # delete every copy (a retried inject may have added two)
                if not run(lab, dev, self._nfqueue_rule("-D"), check=False).ok:
                    break
            # iptables-nft leaves an empty `table ip mangle` behind; drop it when nothing else uses it
            rules = run(lab, dev, ["iptables", "-t", "mangle", "-S"], check=False).stdout
            if not any(ln.startswith("-A") for ln in rules.splitlines()):
                run(lab, dev, ["nft", "delete", "table", "ip", "mangle"], check=False)
            self._stop_shaper(lab)

    def _stop_shaper(self, lab: Lab) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            self._stop_foreign_shaper(lab)
            return
        stop_processes([proc])
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _stop_foreign_shaper(self, lab: Lab) -> None:
        """A shaper this instance did not start (another process injected): matched by the exact
        mark in its environment, then signalled by pid."""
        want = f"{_TAG_ENV}={self._tag(lab)}".encode()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    env = fh.read().split(b"\0")
            except OSError:
                continue
            if want in env:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGTERM)

    def describe(self) -> str:
        return f"{self.backend} on {self.device}:{self.interface} egress"
