"""python-docx and pyHanko bring lxml in; openpyxl would then parse spreadsheets with lxml instead of defusedxml.
config/__init__.py turns that off and core.uploads refuses to start otherwise."""

import importlib.util

import openpyxl.xml


def test_lxml_is_installed_and_openpyxl_still_parses_with_defusedxml():
    assert importlib.util.find_spec("lxml") is not None
    assert openpyxl.xml.LXML is False and openpyxl.xml.DEFUSEDXML is True
