"""One writer per model (issue 15): only an app's services write its models, bulk paths and raw SQL included.
No exceptions list: the data migrations are not scanned (they are the history of the schema, not code paths)."""

from pathlib import Path

from tests.architecture import one_writer


def test_only_an_apps_services_write_its_models():
    found = one_writer.violations()
    assert found == [], "writes outside the owning app's services:\n" + "\n".join(found)


def test_the_scanner_sees_each_kind_of_write(tmp_path, monkeypatch):
    """The checker itself: a view module writing by .save(), .update(), bulk_* and raw SQL is caught, each with its
    model; the same calls in the owning app's services are not."""
    by_name, by_table, labels = one_writer.project_models()
    source = (
        "from django.db import connection\n"
        "from systems_registry.models import InformationSystem\n"
        "def view(request, pk):\n"
        "    system = InformationSystem.objects.get(pk=pk)\n"
        "    system.name = 'x'\n"
        "    system.save(update_fields=['name'])\n"
        "    InformationSystem.objects.filter(pk=pk).update(name='y')\n"
        "    InformationSystem.objects.bulk_update([system], ['name'])\n"
        "    table = InformationSystem._meta.db_table\n"
        "    connection.cursor().execute(f'UPDATE {table} SET name = %s', ['z'])\n"
        "    connection.cursor().execute('DELETE FROM systems_registry_informationsystem')\n"
        "def admin_action(modeladmin, request, queryset):\n"
        "    queryset.filter(status='planned').update(name='q')\n"
    )
    root = Path(one_writer.ROOT)
    for rel, expected in (
        ("systems_registry/views_probe.py", 6),
        ("systems_registry/services.py", 0),
        ("approvals/services.py", 5),
    ):  # its queryset of unknown model is taken as its own
        path = root / rel
        monkeypatch.setattr(Path, "read_text", lambda self, encoding=None, _s=source: _s)
        writes = one_writer.scan(path, by_name, by_table, labels)
        monkeypatch.undo()
        models = sorted(w.model for w in writes)
        assert models == ["?"] + ["systems_registry.InformationSystem"] * 5, models
        refused = [w for w in writes if not one_writer.allowed(Path(rel), w, labels)]
        assert len(refused) == expected, (rel, refused)
