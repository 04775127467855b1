from django.core.management import call_command


def test_architecture_tables_and_state_machines_are_drawn_from_the_current_models():
    call_command("draw_architecture", check=True)


def test_readme_keeps_the_two_setup_commands():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
