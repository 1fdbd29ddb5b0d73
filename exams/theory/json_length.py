"""The length of a JSON array inside a JSON column, computed by the database."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField


class JSONArrayLength(Func):
    """``JSONArrayLength("paper__questions")``: len(paper["questions"]) without loading the paper."""

    output_field = IntegerField()

    def __init__(self, path: str):
        field, self.key = path.split("__", 1)
        super().__init__(F(field))

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        raise NotImplementedError(f"JSONArrayLength is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"jsonb_array_length(({sql})::jsonb -> %s)", [*params, self.key]

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_array_length({sql}, %s)", [*params, f"$.{self.key}"]
