"""Demo systems in the demo province, one per level 1–5 (classified by the engine, not hard-coded)."""

from accounts.models import Organization, User

from . import national_list, services
from .models import InformationSystem
from .schemas import SystemCreate, SystemPatch

SYSTEMS = [
    {"code": "QNI-INTRANET", "name": "Trang thông tin nội bộ Sở KH&CN", "system_type": "internal", "info_types": ["public"]},
    {"code": "QNI-EOFFICE", "name": "Hệ thống quản lý văn bản và điều hành tỉnh", "system_type": "internal", "info_types": ["private", "personal"]},
    {"code": "QNI-DVC", "name": "Cổng dịch vụ công tỉnh Quảng Ninh", "system_type": "public_service", "info_types": ["personal"],
     "handles_administrative_procedures": True, "data_subjects": 350000, "public_service_level": 4},
    {"code": "QNI-LGSP", "name": "Nền tảng tích hợp, chia sẻ dữ liệu tỉnh (LGSP)", "system_type": "infrastructure", "info_types": ["private", "personal"],
     "infrastructure_scope": "sector_or_province"},
    {"code": "QNI-SCADA-NUOC", "name": "Hệ thống điều khiển giám sát nhà máy nước Hạ Long", "system_type": "industrial_control", "info_types": ["private"],
     "ics_grade": "I", "requires_24x7": True},
    {"code": "QNI-SCADA-CANG", "name": "Hệ thống điều khiển công trình cảng biển quan trọng về an ninh quốc gia", "system_type": "industrial_control",
     "info_types": ["private"], "ics_grade": "special", "requires_24x7": True},
]  # fmt: skip
# The transition (Decree 331 Art. 39.1): systems classified under Decree 85, on each side of both deadlines. Seeded
# by their own step (seed_transition_systems), so the base demo the tests load stays as it was.
TRANSITION_SYSTEMS = [
    # Still being built, level not yet approved: the 01/01/2027 deadline is due.
    {"code": "QNI-QLDA-XD", "name": "Hệ thống quản lý dự án đầu tư xây dựng (đang xây dựng, Nghị định 85)",
     "system_type": "internal", "info_types": ["private"], "regime": "decree_85_2016"},
    # Approved under Decree 85 (approvals.demo): 01/01/2027 met, 01/7/2027 due.
    {"code": "QNI-YTE", "name": "Hệ thống thông tin y tế tỉnh (phê duyệt theo Nghị định 85)", "system_type": "internal",
     "info_types": ["private", "personal"], "regime": "decree_85_2016"},
    # Approved under Decree 85, then moved to Decree 331 with its plan in place (seed_list_and_transition): both met.
    {"code": "QNI-GIAODUC", "name": "Cơ sở dữ liệu ngành giáo dục (chuyển sang Nghị định 331)", "system_type": "internal",
     "info_types": ["private", "personal"], "regime": "decree_85_2016"},
]  # fmt: skip
# The demo's system on the national-security List (Decree 331 Art. 16.3(d): a disaster for human life).
LISTED_SYSTEM, LISTED_CRITERIA, LISTED_DECISION = "QNI-SCADA-NUOC", ["art16_3d"], "1234/QĐ-TTg"
MOVED_SYSTEM = "QNI-GIAODUC"


def seed() -> str:
    created = _create(SYSTEMS)
    levels = sorted(InformationSystem.objects.filter(owner__code="QNI").values_list("proposed_level", flat=True))
    return f"{created} systems created; levels in the demo province: {levels}"


def seed_transition_systems() -> str:
    return f"{_create(TRANSITION_SYSTEMS)} Decree 85 systems created for the transition"


def _create(specs) -> int:
    operator = User.objects.get(username="operator")
    owner = Organization.objects.get(code="QNI")
    base = {
        "owner_id": owner.pk,
        "operator_id": Organization.objects.get(code="QNI-TTCDS").pk,
        "security_unit_id": Organization.objects.get(code="QNI-SKHCN").pk,
        "regime": "decree_331_2026",
    }
    created = 0
    for spec in specs:
        if InformationSystem.objects.filter(code=spec["code"]).exists():
            continue
        system = services.create_system(actor=operator, data=SystemCreate(**{**base, **spec}))
        services.classify_system(actor=operator, system_id=system.pk)
        created += 1
    return created


def seed_list_and_transition() -> str:
    """After the demo dossiers (approvals.demo): the owner proposes the water plant's control system for the
    national-security List and the national authority lists it; an approved Decree 85 system moves to Decree 331
    with its plan in place. Each step only once (idempotent)."""
    owner, authority, operator = (User.objects.get(username=u) for u in ("owner", "authority", "operator"))
    done = []
    listed = InformationSystem.objects.filter(code=LISTED_SYSTEM).first()
    if listed is not None and listed.national_security_list == "none":
        national_list.propose_listing(actor=owner, system_id=listed.pk, criteria=LISTED_CRITERIA,
                                      comment="Đề nghị đưa vào Danh mục (Điều 17 Nghị định 331).")  # fmt: skip
        national_list.list_system(actor=authority, system_id=listed.pk, decision_number=LISTED_DECISION,
                                  comment="Thủ tướng Chính phủ phê duyệt Danh mục.")  # fmt: skip
        done.append(f"{LISTED_SYSTEM} listed")
    moved = InformationSystem.objects.filter(code=MOVED_SYSTEM, regime="decree_85_2016").first()
    if moved is not None and moved.approved_level is not None:
        services.change_regime(actor=operator, system_id=moved.pk, comment="Chuyển tiếp theo Điều 39 Nghị định 331.")
        services.update_system(actor=operator, system_id=moved.pk, data=SystemPatch(security_plan_status="full"))
        done.append(f"{MOVED_SYSTEM} moved to Decree 331")
    return "; ".join(done) or "List and transition demo already present"
