"""Demo organisations and users of the API contract's "Demo data" section."""

from django.conf import settings

from . import security
from .models import Organization, Role, User
from .services import create_organization, ensure_membership, register_user, update_profile

# (code, name, kind, parent code)
ORGANIZATIONS = [
    ("BCA", "Bộ Công an", Organization.Kind.CENTRAL_AGENCY, None),
    (
        "BCA-A05",
        "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05)",
        Organization.Kind.NATIONAL_AUTHORITY,
        "BCA",
    ),
    ("BQP", "Bộ Quốc phòng", Organization.Kind.CENTRAL_AGENCY, None),
    ("BQP-TCCY", "Ban Cơ yếu Chính phủ", Organization.Kind.NATIONAL_AUTHORITY, "BQP"),
    ("BQP-BTL86", "Bộ Tư lệnh 86", Organization.Kind.NATIONAL_AUTHORITY, "BQP"),
    ("QNI", "Ủy ban nhân dân tỉnh Quảng Ninh", Organization.Kind.PROVINCE, None),
    ("QNI-SKHCN", "Sở Khoa học và Công nghệ tỉnh Quảng Ninh", Organization.Kind.UNIT, "QNI"),
    ("QNI-TTCDS", "Trung tâm Chuyển đổi số tỉnh Quảng Ninh", Organization.Kind.UNIT, "QNI"),
    ("QNI-HALONG", "Phường Hạ Long", Organization.Kind.COMMUNE, "QNI"),
    ("QNI-COTO", "Đặc khu Cô Tô", Organization.Kind.COMMUNE, "QNI"),
    ("LSN", "Ủy ban nhân dân tỉnh Lạng Sơn", Organization.Kind.PROVINCE, None),
    ("LSN-SKHCN", "Sở Khoa học và Công nghệ tỉnh Lạng Sơn", Organization.Kind.UNIT, "LSN"),
    ("VNCERT-ASSESS", "Trung tâm Đánh giá an ninh mạng (tổ chức được cấp phép)", Organization.Kind.ASSESSOR, None),
]

DETAILS = {
    "QNI": {
        "mandate_document": "Luật Tổ chức chính quyền địa phương 2025",
        "head_name": "Bùi Văn Khang",
        "head_title": "Chủ tịch Ủy ban nhân dân tỉnh",
        "address": "Trung tâm hành chính tỉnh, Hạ Long, Quảng Ninh",
        "phone": "0203 3835 000",
        "email": "ubnd@quangninh.gov.vn",
        "document_symbol": "UBND",
    },
    "QNI-SKHCN": {
        "mandate_document": "Quyết định giao nhiệm vụ đơn vị chuyên trách ANM",
        "head_name": "Trần Văn Sở",
        "head_title": "Giám đốc Sở Khoa học và Công nghệ",
        "address": "Hạ Long, Quảng Ninh",
        "phone": "0203 3628 000",
        "email": "skhcn@quangninh.gov.vn",
        "document_symbol": "SKHCN",
    },
    "VNCERT-ASSESS": {"licensed_assessor": True},
    "BCA-A05": {"document_symbol": "A05"},
}

# username, full name, organisation code, role (None for the superuser)
USERS = [
    ("operator", "Nguyễn Văn Vận", "QNI-TTCDS", Role.OPERATOR),
    ("security_unit", "Trần Thị An", "QNI-SKHCN", Role.SECURITY_UNIT),
    ("owner", "Lê Văn Chủ", "QNI", Role.OWNER),
    ("authority", "Phạm Quốc Thẩm", "BCA-A05", Role.AUTHORITY),
    ("inspector", "Hoàng Minh Kiểm", "VNCERT-ASSESS", Role.INSPECTOR),
    ("auditor", "Vũ Thị Giám", "QNI", Role.AUDITOR),
    ("outsider", "Đỗ Văn Ngoài", "LSN-SKHCN", Role.OPERATOR),
    ("admin", "Quản trị hệ thống", None, None),
]


def seed() -> str:
    created_orgs = 0
    for code, name, kind, parent_code in ORGANIZATIONS:
        if not Organization.objects.filter(code=code).exists():
            parent = Organization.objects.get(code=parent_code) if parent_code else None
            create_organization(code=code, name=name, kind=kind, parent=parent, **DETAILS.get(code, {}))
            created_orgs += 1
    created_users = 0
    for username, full_name, org_code, role in USERS:
        user, created = register_user(
            username=username, full_name=full_name, password=settings.DEMO_PASSWORD, superuser=role is None
        )
        created_users += created
        if org_code:
            ensure_membership(user=user, organization=Organization.objects.get(code=org_code), role=role)
        if role is None or role in security.TWO_FACTOR_ROLES:
            # Demo only: the roles that must use two-factor share one known secret so scripts can send `otp`.
            security.enrol_with_secret(user, settings.DEMO_TOTP_SECRET)
    return f"{created_orgs} organisations and {created_users} users created"


def seed_emails() -> str:
    """Demo email addresses, so the running demo shows the deadline reminders' emails on the console. Run after the
    domain seeders' own events (which the demo users see in their inbox) and before the reminders."""
    count = 0
    for user in User.objects.filter(username__in=[u[0] for u in USERS], email=""):
        update_profile(user=user, email=f"{user.username}@demo.attesta.localhost")
        count += 1
    return f"demo email addresses set: {count}"
