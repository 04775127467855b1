"""Dossiers brought to the step a form belongs to, the signer of each form, and a test PKI: a CA of our own made
with `cryptography`, put in a trust-store directory, and PDFs signed with pyHanko as a signer's token would."""

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from approvals import services
from approvals.selectors import current_step, steps_of_revision
from approvals.statutory import policy as forms_policy
from tests import factories

DER = serialization.Encoding.DER


def decider_for(demo, step):
    """The demo member of the step's role; a colleague when the demo user already decided another step of the
    dossier (one person decides one step: the level-5 route has two national-authority steps)."""
    from accounts.models import Role, User

    user = {"security_unit": demo.security_unit, "authority": demo.authority, "owner": demo.owner}[step.role]
    if step.dossier.steps.filter(decided_by=user).exclude(pk=step.pk).exists():
        user = User.objects.filter(username=f"{user.username}-colleague").first() or factories.user(
            step.organization, Role(step.role), username=f"{user.username}-colleague", full_name="Đồng Nghiệp"
        )
    return user


def advance(demo, dossier, *, until: str | None = None, through: str | None = None):
    """Decide the dossier's steps in order until the step of kind `until` is current, or until the step of kind
    `through` is decided."""
    while True:
        dossier.refresh_from_db()
        step = current_step(steps_of_revision(dossier))
        if step is None or step.kind == until:
            return dossier
        services.decide_step(actor=decider_for(demo, step), dossier_id=dossier.pk, decision="approve", comment="Đạt yêu cầu.")
        if step.kind == through:
            dossier.refresh_from_db()
            return dossier


def dossier_for_form(demo, regime: str, form: str, level: int | None = None):
    """A dossier at the point where `form` can be drafted, and the user who signs it."""
    spec = forms_policy.load(regime).forms[form]
    level = level or min(spec.levels)
    dossier = factories.submitted_dossier(demo, level, regime)
    if spec.step is not None and spec.needs_decision:
        dossier = advance(demo, dossier, through=spec.step)
    elif spec.step is not None:
        dossier = advance(demo, dossier, until=spec.step)
    step = next((s for s in steps_of_revision(dossier) if s.kind == spec.step), None)
    role = spec.signer_role_for(level)
    signer = decider_for(demo, step) if role == "step" else {"operator": demo.operator, "owner": demo.owner, "security_unit": demo.security_unit}[role]
    return dossier, signer


@dataclass
class Identity:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return Identity(cert, key)


def make_signer(ca: Identity, common_name: str, *, expired: bool = False) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=60), now - timedelta(days=1)) if expired else (now - timedelta(days=1), now + timedelta(days=365))
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca.cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )  # fmt: skip
    return Identity(cert, key)


def sign_pdf(data: bytes, signer: Identity, ca: Identity) -> bytes:
    """PAdES-style signature in an incremental update, as a signer's own token software makes it."""
    pkcs8 = signer.key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    simple = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(signer.cert.public_bytes(DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca.cert.public_bytes(DER))]),
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
        signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES),
        signer=simple,
    )
    return out.getvalue()


@pytest.fixture
def pki(settings, tmp_path):
    """A trusted CA (in the trust-store directory the setting names) and an untrusted one."""
    trusted, rogue = make_ca("Attesta Test Root CA"), make_ca("Rogue CA")
    store = tmp_path / "trust-store"
    store.mkdir()
    (store / "test-root.pem").write_bytes(trusted.cert.public_bytes(serialization.Encoding.PEM))
    settings.STATUTORY_TRUST_STORE_DIR = store
    return {"ca": trusted, "rogue": rogue, "signer": make_signer(trusted, "Lê Văn Chủ")}
