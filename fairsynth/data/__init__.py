"""Data layer: column kinds (`.schema`) and the reversible table encoder (`.transformer`)."""

from .schema import KINDS, ColumnSpec, Schema, detect_schema
from .transformer import Span, TableTransformer

__all__ = ["KINDS", "ColumnSpec", "Schema", "detect_schema", "Span", "TableTransformer"]
