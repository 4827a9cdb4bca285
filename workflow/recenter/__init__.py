"""recenter: analysis code of the workflow reproducing 'Re-Centering Humans in LLM
Personalization' (Zhang, Liu and August, 2026, arXiv 2606.06614).

Statistics live in small pure functions (recenter.stats); rules and notebooks call them.
"""

__version__ = "0.1.0"
