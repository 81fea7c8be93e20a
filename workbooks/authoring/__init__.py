"""Form authoring: definition workbooks (export, build), importing appendices, renewing forms.

A form definition workbook is the catalog form as Vietnamese tables in Excel (XLSForm-like):
``write_definition`` writes one for any form, ``build_form`` checks one and writes the YAML form
file; ``workbooks.authoring.importer.import_appendix`` drafts a form from the appendix a province
already has (Word or Excel); ``workbooks.authoring.renew.renew_form`` makes next round's form.
Command line: ``cchc form export|build|import|renew`` (``cchc/commands/form.py``).
"""

from workbooks.authoring.build import Built, DefinitionError, build_form, read_definition
from workbooks.authoring.export import write_definition

__all__ = ["Built", "DefinitionError", "build_form", "read_definition", "write_definition"]
