"""OpenEvolve's EvaluationResult, as evaluators import it: metrics (the
numbers Clade reads) and artifacts (text Clade does not score)."""

from dataclasses import dataclass, field


@dataclass
class EvaluationResult:
    metrics: dict
    artifacts: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, metrics):
        return cls(metrics=metrics)

    def to_dict(self):
        return self.metrics
