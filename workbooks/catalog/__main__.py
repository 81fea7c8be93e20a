"""Check form files: ``python -m workbooks.catalog FILE...`` (all shipped forms when none)."""

import sys
from pathlib import Path

from workbooks.catalog.loader import CatalogError, form_paths, load_form


def main(argv: list[str]) -> int:
    """Load each file and print a one-line summary or the catalog error."""
    paths = [Path(a) for a in argv] or form_paths()
    status = 0
    for path in paths:
        try:
            form = load_form(path)
        except CatalogError as exc:
            print(f"LỖI  {exc}")
            status = 1
            continue
        counts = ", ".join(
            f"{s.name}: {len(s.indicators) if s.kind == 'indicators' else len(s.columns)}"
            f" {'chỉ tiêu' if s.kind == 'indicators' else 'cột'}" for s in form.sheets)
        print(f"OK   {path.name}: {form.id} v{form.version} ({counts}); {len(form.all_rules)} quy tắc")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
