"""A system's plan, an inspection's results and a system's open findings as OSCAL documents (NIST OSCAL, JSON).

They read the registry, the checklists, the inspections and the approval decision in force (the registry holds its
dossier's id), so they live in `reporting`, above all of them. Each is built with compliance-trestle's OSCAL
models and validated again from its serialised bytes by `checklists.oscal.render` before it is sent.
"""

from .assessment_results import assessment_results_json
from .poam import poam_json
from .ssp import ssp_json

__all__ = ["assessment_results_json", "poam_json", "ssp_json"]
