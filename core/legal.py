"""The legal vocabulary every layer speaks: the regimes (the decrees a system is classified and approved under) and
the five security levels. Which rule applies under which regime is data (the policy files of each app), not here."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_LEVEL, MAX_LEVEL = 1, 5
LEVELS = tuple(range(MIN_LEVEL, MAX_LEVEL + 1))
LEVEL_VALIDATORS = [MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]


class Regime(models.TextChoices):
    DECREE_85_2016 = "decree_85_2016", _("Decree 85/2016/NĐ-CP")
    DECREE_331_2026 = "decree_331_2026", _("Decree 331/2026/NĐ-CP")
