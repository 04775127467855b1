"""The deployment files and docs/deploy.md agree with the code: every variable documented, the same commands in the
Procfile, the systemd units and the compose file, one beat, units that systemd accepts, an example environment that
passes `check --deploy`."""

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.deploy.stack import ROOT
from tests.needs import missing

DOC = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
SETTINGS = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
READ_CALL = re.compile(r"\benv_(?:str|bool|int|list|float)\(\s*\"([A-Z][A-Z0-9_]*)\"")
SECRET_CALL = re.compile(r"\bsecret_from_env_or_file\(\s*\"([A-Z][A-Z0-9_]*)\"")


def _table(heading_text: str) -> dict[str, str]:
    """{variable: row} of the first markdown table after the line containing `heading_text`."""
    lines = DOC.split(heading_text, 1)[1].splitlines()
    rows, started = {}, False
    for line in lines:
        if line.startswith("|"):
            started = True
            first = line.split("|")[1]
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", first):
                rows[name] = line
        elif started:
            break
    return rows


ENV_TABLE = _table("## 5. Environment variables")
PROCESS_TABLE = _table("Process variables (read by the commands, not by the settings)")


def test_the_environment_table_lists_every_variable_the_settings_read():
    read = set(READ_CALL.findall(SETTINGS))
    secrets = set(SECRET_CALL.findall(SETTINGS))
    assert read and secrets, "the settings no longer read the environment through config/env.py?"
    expected = read | secrets | {f"{name}_FILE" for name in secrets}
    missing = sorted(expected - set(ENV_TABLE))
    assert not missing, f"docs/deploy.md §5 does not document: {missing}"


def test_the_environment_table_names_no_variable_the_settings_ignore():
    def read_somewhere(name: str) -> bool:
        base = name.removesuffix("_FILE")
        return f'"{name}"' in SETTINGS or (name.endswith("_FILE") and f'"{base}"' in SETTINGS)

    stale = sorted(name for name in ENV_TABLE if not read_somewhere(name))
    assert not stale, f"documented but never read by config/settings.py: {stale}"


def test_every_row_gives_a_default_and_a_meaning():
    for name, row in ENV_TABLE.items() | PROCESS_TABLE.items():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert len(cells) == 3 and all(cells), f"{name}: {row}"


def test_the_process_variables_are_read_by_the_process_files():
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in [
            ROOT / "config" / "gunicorn.py",
            ROOT / "Procfile",
            ROOT / "deploy" / "compose.yaml",
            *sorted((ROOT / "deploy" / "systemd").iterdir()),
        ]  # fmt: skip
    )
    unread = sorted(name for name in PROCESS_TABLE if name not in sources)
    assert not unread, f"process variables nothing reads: {unread}"


def _procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def _core(command: str) -> list[str]:
    """The command without interpreter path and the options each runner sets its own way."""
    words = shlex.split(command.replace("\\\n", " "))
    words = [w for w in words if not w.startswith(("--bind", "--concurrency", "--hostname", "0.0.0.0:", "$", "${"))]
    return words[words.index("-m") :] if "-m" in words else words


def test_procfile_has_the_four_process_types_and_releases_with_migrate():
    entries = _procfile()
    assert set(entries) == {"release", "web", "worker", "beat"}
    assert entries["release"] == "python manage.py migrate --noinput"
    assert "django_celery_beat.schedulers:DatabaseScheduler" in entries["beat"]
    assert "config.gunicorn" in entries["web"]


def test_systemd_units_run_the_procfile_commands():
    entries = _procfile()
    units = ROOT / "deploy" / "systemd"
    for unit, kind in [
        ("attesta-web.service", "web"),
        ("attesta-worker@.service", "worker"),
        ("attesta-beat.service", "beat"),
    ]:
        text = (units / unit).read_text(encoding="utf-8")
        exec_start = re.search(r"^ExecStart=(.*?)(?<!\\)$", text, re.M | re.S).group(1)
        assert _core(exec_start) == _core(entries[kind]), unit


def test_compose_parses_runs_the_same_commands_and_exactly_one_beat():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    entries = _procfile()
    for kind in ("web", "worker", "beat"):
        assert _core(shlex.join(services[kind]["command"])) == _core(entries[kind]), kind
    assert services["migrate"]["command"] == shlex.split(entries["release"])
    beats = [name for name, svc in services.items() if "beat" in svc.get("command", [])]
    assert beats == ["beat"] and services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert "SECRET_KEY" not in env and "DATABASE_URL" not in env  # secrets come from files
        assert {"SECRET_KEY_FILE", "DATABASE_URL_FILE"} <= set(env)
    assert "readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_systemd_accepts_the_units(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        missing("needs systemd-analyze to check deploy/systemd/")
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        # The binaries must exist for `verify`: point the units at this checkout.
        text = unit.read_text(encoding="utf-8").replace("/opt/attesta/.venv/bin/python", sys.executable)
        (tmp_path / unit.name).write_text(text.replace("/opt/attesta", str(ROOT)), encoding="utf-8")
    names = ["attesta-web.service", "attesta-worker@1.service", "attesta-beat.service", "attesta.target"]
    result = subprocess.run([tool, "verify", "--man=no", *[f"./{n}" for n in names]], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    problems = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]
    assert not problems, "\n".join(problems)


def test_the_example_environment_passes_check_deploy_through_attesta_manage(tmp_path):
    example = (ROOT / "deploy" / "attesta.env.example").read_text(encoding="utf-8")
    env_file = tmp_path / "attesta.env"
    (tmp_path / "smtp_password").write_text("smtp-secret\n")
    env_file.write_text(
        example.replace("/var/lib/attesta", str(tmp_path / "var")).replace(
            "/etc/attesta/smtp_password", str(tmp_path / "smtp_password")
        )
    )
    secret_key = tmp_path / "secret_key"
    secret_key.write_text("k" * 10 + "-Attesta-production-secret-key-with-enough-entropy-0123456789\n")
    run_env = {"PATH": os.environ["PATH"], "ATTESTA_HOME": str(ROOT), "ATTESTA_ENV": str(env_file),
               "ATTESTA_SECRET_KEY": str(secret_key), "ATTESTA_USER": ""}  # fmt: skip
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "attesta-manage"), "check", "--deploy", "--fail-level", "WARNING"],
                            env=run_env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_attesta_manage_reads_systemd_environment_files(tmp_path):
    from importlib.machinery import SourceFileLoader
    from importlib.util import module_from_spec, spec_from_loader

    loader = SourceFileLoader("attesta_manage", str(ROOT / "deploy" / "attesta-manage"))
    module = module_from_spec(spec_from_loader("attesta_manage", loader))
    loader.exec_module(module)
    path = tmp_path / "env"
    path.write_text("# comment\n\nDEBUG=0\nDEFAULT_FROM_EMAIL=\"Attesta <no-reply@x.vn>\"\nexport A_B='q r'\n")
    assert module.read_environment_file(path) == {
        "DEBUG": "0",
        "DEFAULT_FROM_EMAIL": "Attesta <no-reply@x.vn>",
        "A_B": "q r",
    }
    path.write_text("NOT A LINE\n")
    with pytest.raises(SystemExit):
        module.read_environment_file(path)
