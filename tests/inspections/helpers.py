"""Builders shared by the inspection and checklist tests."""

import itertools
import json

from checklists.services import import_template
from systems_registry.models import InformationSystem

DEMO_CORE = ["accounts.demo.seed", "systems_registry.demo.seed"]
_seq = itertools.count(1)


def catalogue(*, regime="decree_331_2026", level=3, kind="periodic", sections=2, items=3, code=None) -> dict:
    code = code or f"test-{regime.replace('_', '-')}-{level or 'any'}-{kind.replace('_', '-')}-{next(_seq)}"
    return {
        "schema_version": 1, "code": code, "title": f"Danh mục {code}", "title_en": f"Checklist {code}", "regime": regime,
        "level": level, "kind": kind, "source": "test",
        "sections": [
            {"code": f"S{s}", "title": f"Phần {s}", "items": [
                {"code": f"S{s}.{i}", "text": f"Yêu cầu {s}.{i}", "guidance": "Kiểm tra hồ sơ", "evidence": ["biên bản"]}
                for i in range(1, items + 1)
            ]}
            for s in range(1, sections + 1)
        ],
    }  # fmt: skip


def publish(**kwargs):
    data = catalogue(**kwargs)
    template, _ = import_template(actor=None, data=json.dumps(data).encode(), filename=f"{data['code']}.json")
    return template


def system(code) -> InformationSystem:
    return InformationSystem.objects.get(code=code)


def system_at_level(level: int) -> InformationSystem:
    return InformationSystem.objects.filter(owner__code="QNI", proposed_level=level).order_by("code").first()


def make_operating(system_obj) -> None:
    # Commissioning needs an approved dossier (approvals app); these tests only need the state.
    InformationSystem.objects.filter(pk=system_obj.pk).update(status="operating")
