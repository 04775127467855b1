"""Every string the UI shows has a Vietnamese translation, the compiled catalogue matches the source, the pages
shown to each persona in Vietnamese leak no English source string, and the language choice is remembered."""

import gettext
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages
from django.utils import translation

from tests.i18n.po import parse
from tests.needs import missing

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same list as `make messages` (Makefile, I18N_IGNORE): the source that is not shown to users.
IGNORE = ["var", "tests", "bench", "staticfiles", "build", "test-artifacts", "*.egg-info"]


def _needs(tool: str) -> None:
    if shutil.which(tool) is None:
        missing(f"needs {tool}: apt-get install gettext")


def _label(entry) -> str:
    return entry.msgid + (f" | {entry.msgid_plural}" if entry.msgid_plural else "")


class _ExtractInto(makemessages.Command):
    """makemessages writing into another directory: the committed catalogue is never touched by the test."""

    def __init__(self, target: Path):
        super().__init__()
        self.target = str(target)

    def find_files(self, root):
        self.locale_paths, self.default_locale_path = [self.target], self.target
        return super().find_files(root)


@pytest.fixture(scope="module")
def committed():
    return {e.key: e for e in parse(PO) if not e.obsolete}


def test_every_string_in_the_source_has_a_vietnamese_translation(tmp_path, committed, monkeypatch):
    _needs("xgettext")
    (tmp_path / "vi" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.chdir(settings.BASE_DIR)
    # "locale" ignored too: makemessages would otherwise adopt the committed directory as a target while walking.
    call_command(
        _ExtractInto(tmp_path), locale=["vi"], ignore_patterns=[*IGNORE, "locale"], no_obsolete=True, verbosity=0
    )
    extracted = parse(tmp_path / "vi" / "LC_MESSAGES" / "django.po")
    assert len(extracted) > 300, "the extraction found almost nothing: is the source tree where it should be?"
    missing = sorted(_label(e) for e in extracted if e.key not in committed)
    untranslated = sorted(_label(e) for e in extracted if e.key in committed and not committed[e.key].translated)
    assert not missing, f"not in locale/vi/LC_MESSAGES/django.po (run `make messages` and translate): {missing}"
    assert not untranslated, f"no Vietnamese translation (or fuzzy) in django.po: {untranslated}"


def test_the_committed_catalogue_is_translated_and_keeps_the_placeholders(committed):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for entry in committed.values():
        assert entry.translated, _label(entry)
        for text in entry.msgstr.values():
            assert set(placeholder.findall(text)) == set(placeholder.findall(entry.msgid_plural or entry.msgid)), (
                _label(entry)
            )


def test_the_compiled_catalogue_matches_the_source(tmp_path):
    _needs("msgfmt")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO)], check=True)
    assert MO.exists(), "locale/vi/LC_MESSAGES/django.mo is missing: run `make messages`"
    with MO.open("rb") as f1, fresh.open("rb") as f2:
        assert gettext.GNUTranslations(f1)._catalog == gettext.GNUTranslations(f2)._catalog, (
            "django.mo is stale: run `make messages`"
        )


def test_key_terms_use_the_administrative_vocabulary():
    with translation.override("vi"):
        assert translation.gettext("Appraisal") == "Thẩm định"
        assert translation.gettext("Approval") == "Phê duyệt"
        assert translation.gettext("Operating unit") == "Đơn vị vận hành"
        assert translation.gettext("Designated security unit") == "Đơn vị chuyên trách về an toàn thông tin"
        assert translation.gettext("Security-level dossiers") == "Hồ sơ đề xuất cấp độ"


# --- the pages, in Vietnamese, as each persona ------------------------------------------------------------------

TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(TAGS.sub(" ", html)))


def _english_phrases(committed) -> list[str]:
    """Source strings that would betray an untranslated page: several words, and different once translated."""
    phrases = []
    for entry in committed.values():
        text = entry.msgid
        if "%(" in text or "{" in text or len(text.split()) < 3 or entry.msgstr.get(0) == text:
            continue
        phrases.append(text)
    return phrases


def _pages(full_demo) -> list[str]:
    from approvals.models import Dossier
    from inspections.models import Inspection
    from systems_registry.models import InformationSystem

    system = InformationSystem.objects.filter(status="operating").order_by("id").first()
    dossier = Dossier.objects.order_by("id").first()
    inspection = Inspection.objects.order_by("id").first()
    return [
        "/", "/dashboard/", f"/dashboard/?organization_id={full_demo.org('QNI').pk}", "/systems/", f"/systems/{system.pk}/",
        "/systems/new/", "/dossiers/", "/dossiers/waiting/", f"/dossiers/{dossier.pk}/", "/inspections/",
        f"/inspections/{inspection.pk}/", f"/inspections/{inspection.pk}/results/", "/inspections/findings/",
        "/inspections/calendar/", "/checklists/",
    ]  # fmt: skip


def test_pages_shown_in_vietnamese_leak_no_english_source_string(full_demo, client, committed):
    phrases = _english_phrases(committed)
    assert len(phrases) > 100
    checked = 0
    for persona in ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "admin"):
        user = getattr(full_demo, persona)
        user.language = "vi"
        user.save(update_fields=["language"])
        client.force_login(user)
        for url in _pages(full_demo):
            resp = client.get(url, follow=True)
            if resp.status_code != 200:
                continue  # not this persona's page (404 for outsiders to the object is tested elsewhere)
            text = _visible_text(resp.content.decode())
            leaks = [p for p in phrases if p in text]
            assert not leaks, f"{persona} {url}: {leaks}"
            assert '<html lang="vi">' in resp.content.decode()
            checked += 1
    assert checked > 40


def test_the_language_switch_is_remembered_on_the_account(demo, client):
    client.force_login(demo.operator)
    assert '<html lang="vi">' in client.get("/systems/").content.decode()
    resp = client.post("/language/", {"language": "en", "next": "/systems/"})
    assert resp.status_code == 302
    demo.operator.refresh_from_db()
    assert demo.operator.language == "en"
    html = client.get("/systems/").content.decode()
    assert '<html lang="en">' in html and "Information systems" in html
    # A new session (another browser, no cookie) still speaks the saved language.
    client.logout()
    client.cookies.clear()
    client.force_login(demo.operator)
    assert '<html lang="en">' in client.get("/systems/").content.decode()


def test_dates_are_formatted_per_language(demo, client):
    from django.utils import timezone

    from systems_registry.models import InformationSystem

    system = InformationSystem.objects.filter(owner__code="QNI").order_by("id").first()
    InformationSystem.objects.filter(pk=system.pk).update(next_inspection_due=timezone.datetime(2027, 3, 14).date())
    client.force_login(demo.operator)
    assert "14/03/2027" in client.get(f"/systems/{system.pk}/").content.decode()
    client.post("/language/", {"language": "en", "next": "/"})
    assert "03/14/2027" in client.get(f"/systems/{system.pk}/").content.decode()
