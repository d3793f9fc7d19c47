"""Data layer: column kinds (:mod:`.schema`) and the reversible table encoder (:mod:`.transformer`)."""

from .schema import KINDS, ColumnSpec, Schema, detect_schema
from .transformer import Span, TableTransformer

__all__ = ["KINDS", "ColumnSpec", "Schema", "detect_schema", "Span", "TableTransformer"]
