"""Every main page, for every persona: landmarks, a skip link to <main>, a labelled navigation, and every form field
with a label (wrapping, `for=`, or aria-label)."""

from html.parser import HTMLParser

from tests.i18n.test_translations import _pages


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.label_depth = 0
        self.label_for: set[str] = set()
        self.fields: list[tuple] = []
        self.landmarks: set[str] = set()
        self.nav_labels: list[str | None] = []
        self.skip_target = None
        self.main_id = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("main", "nav", "header", "footer"):
            self.landmarks.add(tag)
            if tag == "nav":
                self.nav_labels.append(a.get("aria-label"))
            if tag == "main":
                self.main_id = a.get("id")
        elif tag == "a" and "skip" in (a.get("class") or "").split() and self.skip_target is None:
            self.skip_target = a.get("href")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            labelled = self.label_depth > 0 or a.get("aria-label") or a.get("aria-labelledby")
            self.fields.append((a.get("name"), a.get("id"), bool(labelled)))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def unlabelled(self) -> list:
        return [
            (name, id_) for name, id_, labelled in self.fields if not labelled and not (id_ and id_ in self.label_for)
        ]


def test_every_page_has_landmarks_a_skip_link_and_labelled_fields(full_demo, client):
    seen = 0
    for persona in ("operator", "security_unit", "owner", "inspector", "auditor", "admin"):
        client.force_login(getattr(full_demo, persona))
        for url in _pages(full_demo):
            resp = client.get(url, follow=True)
            if resp.status_code != 200:
                continue
            page = _Structure()
            page.feed(resp.content.decode())
            where = f"{persona} {url}"
            assert {"header", "main", "nav", "footer"} <= page.landmarks, where
            assert all(page.nav_labels), f"{where}: a <nav> without aria-label"
            assert page.skip_target == f"#{page.main_id}", where
            assert not page.unlabelled(), f"{where}: fields without a label {page.unlabelled()}"
            seen += 1
    assert seen > 40
