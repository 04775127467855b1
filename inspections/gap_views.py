"""The page action of inspections/gap.py: one button on the system page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.web import service_call

from . import gap


@login_required
@require_POST
def gap_assessment_view(request, system_id):
    with service_call(request) as call:
        inspection = gap.create_gap_assessment(actor=request.user, system_id=system_id)
        carried = inspection.results.filter(carried_from_inspection__isnull=False).count()
        messages.success(
            request,
            ngettext(
                "Gap assessment created: %(count)s answer carried from inspection %(source)s. Next: assign the "
                "inspectors; they confirm or change the carried answer and assess the rest.",
                "Gap assessment created: %(count)s answers carried from inspection %(source)s. Next: assign the "
                "inspectors; they confirm or change the carried answers and assess the rest.",
                carried,
            )
            % {"count": carried, "source": inspection.prefilled_from_id},
        )
        return redirect("inspections:detail", inspection_id=inspection.pk)
    return call.forbidden or redirect("systems:detail", system_id=system_id)
