"""The agent contract's two sides: the answer (``DiagnosisResult``) and what a correct answer names
(``GroundTruth``)."""

from ._result import VERDICTS, DiagnosisResult, Usage, Verdict
from ._truth import GroundTruth, Location

__all__ = ["VERDICTS", "DiagnosisResult", "GroundTruth", "Location", "Usage", "Verdict"]
