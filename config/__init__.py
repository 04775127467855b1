import os

# openpyxl parses with lxml whenever lxml is importable, bypassing defusedxml; python-docx and pyHanko (the
# statutory documents) bring lxml in. Spreadsheets must stay on defusedxml (core.uploads checks it), so turn
# openpyxl's lxml off before anything imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

from .celery import app as celery_app

__all__ = ("celery_app",)
