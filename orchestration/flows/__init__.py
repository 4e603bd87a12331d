"""Declarative flows: processes with human gates written as YAML files (``flows/<name>.yml``)
and checked before they run. Pure code, importable inside the workflow sandbox; only
:mod:`orchestration.flows.load` reads files."""
