"""Reading spreadsheets people upload, with limits: a leaf package that imports nothing of
the project. Every upload of an .xlsx goes through ``read_rows``."""

from .reading import SpreadsheetRejected, read_rows

__all__ = ["SpreadsheetRejected", "read_rows"]
