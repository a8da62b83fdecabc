"""The one redactor every artifact goes through, the caps on an agent's text, random case ids
and private run directories (no lab needed)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.episode import coerce_result, new_case_id
from pytest_netopsbench.report import CaseRecord, RunMeta, build_report
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.trace import REDACTED, Trajectory, redact_text, sanitize

SECRETS = {
    "openai key": ("key sk-proj-abcdEFGH1234ijkl5678 used", "sk-proj-abcdEFGH1234ijkl5678"),
    "env assignment": ("export OPENAI_API_KEY=q9w8e7r6t5y4 && run", "q9w8e7r6t5y4"),
    "token assignment": ("HF_TOKEN='abcd1234efgh'", "abcd1234efgh"),
    "secret assignment": ("AWS_SECRET=wJalrXUtnFEMIK7MDENG", "wJalrXUtnFEMIK7MDENG"),
    "yaml style": ('ANTHROPIC_API_KEY: "zzzz9999yyyy"', "zzzz9999yyyy"),
    "json style": ('{"MY_SERVICE_TOKEN": "tok-12345678"}', "tok-12345678"),
    "bearer header": ("Authorization: Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl"),
    "basic header": ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    "google key": ("key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"),
    "hugging face": ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345"),
    "jwt": (
        "got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk ok",
        "eyJzdWIiOiIxMjM0In0",
    ),
    "url credentials": ("proxy https://alice:s3cr3tpw@proxy.example:8080/x", "s3cr3tpw"),
    "aws key id": ("AKIAIOSFODNN7EXAMPLE in config", "AKIAIOSFODNN7EXAMPLE"),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_secret_pattern_is_redacted(name: str) -> None:
    text, secret = SECRETS[name]
    out = redact_text(text)
    assert secret not in out and REDACTED in out, out


def test_redaction_keeps_what_was_there_and_ordinary_text() -> None:
    assert redact_text("OPENAI_API_KEY=abcdefgh") == f"OPENAI_API_KEY={REDACTED}"
    assert redact_text("https://bob:pw12345@host/") == f"https://{REDACTED}@host/"
    assert redact_text("Authorization: Basic dXNlcjpw") == f"Authorization: Basic {REDACTED}"
    plain = "leaf2 eth1 drops 20% (max_tokens: 4096, input_tokens=12); see https://example.com/a:b"
    assert redact_text(plain) == plain


def test_truncated_values_are_marked_and_still_redacted() -> None:
    out = sanitize({"t": "sk-abcdefghijklmnop " + "x" * 100}, limit=40)
    assert out["t"].startswith(REDACTED) and out["t"].endswith("…[truncated 80 chars]")


def test_diagnosis_caps_reasoning_evidence_and_names() -> None:
    d = DiagnosisResult(
        verdict="fault_detected",
        device="x" * 1000,
        reasoning="r" * 25_000,
        evidence=["e" * 3000] + ["ok"] * 200,
    )
    assert d.reasoning == "r" * 20_000 + "…[truncated 5000 chars]"
    assert len(d.evidence) == 100
    assert d.evidence[0] == "e" * 2000 + "…[truncated 1000 chars]"
    assert d.evidence[-1] == "…[102 more items truncated]" and d.evidence[-2] == "ok"
    assert d.device is not None and len(d.device) < 300
    short = DiagnosisResult(verdict="network_healthy", reasoning="fine", evidence=["a"])
    assert (short.reasoning, short.evidence) == ("fine", ["a"])


def test_coercion_caps_fields_assigned_after_construction() -> None:
    d = DiagnosisResult(verdict="network_healthy")
    d.reasoning = "z" * 50_000
    d.evidence = ["y"] * 500
    out = coerce_result(d)
    assert len(out.reasoning) < 20_100 and len(out.evidence) == 100
    assert len(coerce_result({"verdict": "inconclusive", "reasoning": "q" * 30_000}).reasoning) < 20_100


def test_case_ids_are_random_and_safe() -> None:
    ids = {new_case_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("case-") and len(i) == 17 for i in ids)


def test_ten_megabyte_reasoning_gives_bounded_redacted_private_files(tmp_path: Path) -> None:
    secret = "sk-live-0123456789abcdef"
    diagnosis = coerce_result(
        {
            "verdict": "fault_detected",
            "device": "leaf2",
            "reasoning": f"OPENAI_API_KEY={secret} " + "because " * 1_300_000,  # ~10 MB
            "evidence": [f"Authorization: Bearer {secret}" + "!" * 5000] * 1000,
        }
    )
    rec = CaseRecord(
        case_id=new_case_id(),
        scenario_id="s1",
        scale="xs",
        healthy=False,
        expected_verdict="fault_detected",
        outcome="correct",
        diagnosis=diagnosis,
        message=f"see https://u:{secret}@h/",
    )
    run = RunDir.create(tmp_path / "runs", "run-big")
    run.append_case(rec)
    trajectory = Trajectory.model_validate(
        {
            "schema_version": "ATIF-v1.7",
            "session_id": "run-big",
            "agent": {"name": "a", "version": "1"},
            "steps": [{"step_id": 1, "source": "agent", "message": "x" * 3_000_000 + secret}],
        }
    )
    run.write_trace(rec, trajectory, agent="a")
    run.write_report(build_report(RunMeta(run_id="run-big"), [rec]))
    files = [p for p in run.root.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"cases.jsonl", "report.json", "trajectory.json", "results.jsonl"}
    for path in files:
        text = path.read_text()
        assert len(text) < 600_000, (path.name, len(text))
        assert secret not in text, path.name
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name
    for d in [run.root, *(p for p in run.root.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    loaded = json.loads(run.report_path.read_text())
    assert loaded["cases"][0]["diagnosis"]["reasoning"].endswith("chars]")
    assert next(run.iter_cases()).diagnosis is not None
