"""The agent contract's answer side: ``DiagnosisResult``."""

from ._result import VERDICTS, DiagnosisResult, Usage, Verdict

__all__ = ["VERDICTS", "DiagnosisResult", "Usage", "Verdict"]
