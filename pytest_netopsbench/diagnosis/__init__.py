"""The agent contract's two sides: the answer (``DiagnosisResult``) and what a correct answer names
(``GroundTruth``)."""

from ._result import VERDICTS, DiagnosisResult, Finding, Usage, Verdict
from ._truth import GroundTruth, Location

__all__ = ["VERDICTS", "DiagnosisResult", "Finding", "GroundTruth", "Location", "Usage", "Verdict"]
