"""The NFQUEUE shaper's wire format helpers and packet corruption (no kernel needed)."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from pathlib import Path

from pytest_netopsbench.faults._shaper import (
    READY,
    ShaperConfig,
    _attrs,
    _corrupt,
    _nla,
    _nlmsg,
    bootstrap,
    main,
)


def test_netlink_attributes_round_trip_with_padding() -> None:
    blob = _nla(1, b"\x00\x00\x00\x07abc") + _nla(10, b"payload!!")
    assert len(blob) % 4 == 0
    attrs = _attrs(blob)
    assert attrs[1] == b"\x00\x00\x00\x07abc" and attrs[10] == b"payload!!"
    msg = _nlmsg(0x302, 5, 9, b"xyzw")
    length, kind, flags, seq, _ = struct.unpack_from("=IHHII", msg)
    assert (length, kind, flags, seq) == (20, 0x302, 5, 9)


def test_corruption_flips_exactly_one_bit_after_the_ip_header() -> None:
    ip_header = bytes([0x45]) + bytes(19)
    packet = ip_header + bytes(range(64))
    rng = random.Random(7)
    for _ in range(200):
        out = _corrupt(rng, packet)
        assert out[:20] == ip_header
        diff = [a ^ b for a, b in zip(out, packet, strict=True) if a != b]
        assert len(diff) == 1 and bin(diff[0]).count("1") == 1
    assert _corrupt(rng, ip_header) == ip_header  # nothing after the header: left alone


def test_cli_rejects_negative_values(capsys: object) -> None:
    assert main(["--queue", "3", "--delay-ms", "-5"]) == 2


def test_the_bootstrapped_shaper_needs_only_the_standard_library(tmp_path: Path) -> None:
    """The harness's child runs this module's source, importing no package (startup in
    milliseconds, even on a loaded host); with no site-packages at all it still runs and reports
    why it cannot bind, on stderr, without ever announcing it is ready."""
    program = bootstrap(ShaperConfig(queue=3, delay_ms=10.0, netns="nob-no-such-namespace"))
    res = subprocess.run(
        [sys.executable, "-I", "-S", "-"],
        input=program.encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=30,
    )
    assert res.returncode == 1, res.stderr
    assert READY.encode() not in res.stdout
    assert b"/run/netns/nob-no-such-namespace" in res.stderr
