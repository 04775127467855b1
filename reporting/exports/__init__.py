"""Spreadsheet exports: jobs run by a worker, one exporter per kind, each streaming rows the requester may see."""
