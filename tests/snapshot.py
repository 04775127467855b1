"""The base demo (organisations, users, systems), seeded once per test session and replayed into each test that asks.

Seeding runs the real seeders (services, audit trail, classification) and is the slow part; replaying is one
INSERT per table. The seed runs in a transaction that is rolled back, so the database stays empty for every test
that does not ask for the demo, and a transactional test's flush cannot lose it: each `demo` test inserts the rows
inside its own transaction, which pytest-django rolls back at its end.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Snapshot:
    seeders: tuple[str, ...]
    tables: tuple[TableRows, ...]
    # (table, row count, highest key) of every table that had rows before the seed (content types, permissions,
    # data migrations): the seeded rows point at them. A transactional test's flush empties them, and post_migrate
    # recreates content types and permissions under new keys, so the snapshot no longer fits and is taken again.
    ground: tuple[tuple[str, int, object], ...]

    def fits(self) -> bool:
        return _ground([table for table, _, _ in self.ground]) == self.ground

    def restore(self) -> None:
        """Insert the seeded rows in one transaction (the test's, or its own under `transaction=True`, where the
        flush at the test's end removes them), so foreign keys are checked once all the rows are in."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for t in self.tables:
                columns = ", ".join(quote(c) for c in t.columns)
                marks = ", ".join(["%s"] * len(t.columns))
                # Table and column names come from Django's introspection, quoted; the values are parameters.
                insert = f"INSERT INTO {quote(t.table)} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, t.rows)
            # Explicit ids leave PostgreSQL's sequences behind (SQLite's AUTOINCREMENT follows by itself).
            models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in self.table_names]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

    def tables_empty(self) -> bool:
        """Whether every table the snapshot inserts into is empty (nothing written yet in this test)."""
        return all(count == 0 for _, count, _ in _ground([t.table for t in self.tables]))

    @property
    def table_names(self) -> set[str]:
        return {t.table for t in self.tables}


def _table_rows(table: str) -> tuple[tuple[str, ...], dict]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        pk = connection.introspection.get_primary_key_column(cursor, table)
        cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
        columns = tuple(col[0] for col in cursor.description)
        at = columns.index(pk)
        return columns, {row[at]: tuple(row) for row in cursor.fetchall()}


def _ground(tables) -> tuple[tuple[str, int, object], ...]:
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            pk = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(f"SELECT COUNT(*), MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608
            count, highest = cursor.fetchone()
            found.append((table, count, highest))
    return tuple(found)


class SessionSeed:
    """Takes the snapshot on first use, and again whenever the rows it points at have changed."""

    def __init__(self, seeders, settings: dict):
        self.seeders = tuple(seeders)
        self.settings = settings
        self.snapshot = None
        self.captures = 0
        self.seeded_in_test = 0

    def restore(self) -> None:
        from django.test import override_settings

        if self.snapshot is None or not self.snapshot.fits():
            with override_settings(**self.settings):
                self.snapshot = capture(self.seeders)
            self.captures += 1
        if self.snapshot.tables_empty():
            self.snapshot.restore()
        else:
            # An earlier fixture of this test already wrote (e.g. checklists published with their audit events):
            # replayed keys would collide, so seed for real, as before the snapshot.
            self.seeded_in_test += 1
            for dotted in self.seeders:
                import_string(dotted)()


def capture(seeders) -> Snapshot:
    """Run `seeders` in a transaction that is rolled back, and keep the rows they added."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    captured = []
    with transaction.atomic():
        before = {table: _table_rows(table)[1] for table in tables}
        for dotted in seeders:
            import_string(dotted)()
        for table in tables:
            columns, after = _table_rows(table)
            changed = [pk for pk, row in before[table].items() if after.get(pk) != row]
            if changed:
                # Replaying only insertions would then differ from seeding: refuse rather than drift.
                raise RuntimeError(f"the demo seeders change or delete existing rows of {table}: {changed[:5]}")
            added = tuple(row for pk, row in after.items() if pk not in before[table])
            if added:
                captured.append(TableRows(table, columns, added))
        transaction.set_rollback(True)
    ground = _ground([table for table in tables if before[table]])
    return Snapshot(seeders=tuple(seeders), tables=tuple(captured), ground=ground)
