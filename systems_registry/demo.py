"""Demo systems in the demo province, one per level 1–5 (classified by the engine, not hard-coded)."""

from accounts.models import Organization, User

from . import services
from .models import InformationSystem
from .schemas import SystemCreate

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


def seed() -> str:
    operator = User.objects.get(username="operator")
    owner = Organization.objects.get(code="QNI")
    base = {
        "owner_id": owner.pk,
        "operator_id": Organization.objects.get(code="QNI-TTCDS").pk,
        "security_unit_id": Organization.objects.get(code="QNI-SKHCN").pk,
        "regime": "decree_331_2026",
    }
    created = 0
    for spec in SYSTEMS:
        if InformationSystem.objects.filter(code=spec["code"]).exists():
            continue
        system = services.create_system(actor=operator, data=SystemCreate(**base, **spec))
        services.classify_system(actor=operator, system_id=system.pk)
        created += 1
    levels = sorted(InformationSystem.objects.filter(owner=owner).values_list("proposed_level", flat=True))
    return f"{created} systems created; levels in the demo province: {levels}"
