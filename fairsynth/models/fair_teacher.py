"""Moved to fairsynth.fairness.teachers (the fairness component); kept for old imports."""

from ..fairness.teachers import FairTeacher, teacher_strength

__all__ = ["FairTeacher", "teacher_strength"]
