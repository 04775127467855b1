from django.db import migrations


def seed(apps, schema_editor):
    from inspections.policy import REGIMES, load_policy

    Policy = apps.get_model("inspections", "InspectionCyclePolicy")
    for regime in REGIMES:
        for cycle in load_policy(regime).cycles:
            Policy.objects.get_or_create(
                regime=regime,
                level=cycle.level,
                defaults={"months": cycle.months, "assessor_requirement": cycle.assessor, "note": cycle.note[:300]},
            )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
