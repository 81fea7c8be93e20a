"""Files for xlwings Lite (``cchc addin lite --out DIR``).

xlwings Lite runs Python (Pyodide) inside Excel's add-in runtime. A unit pastes ``main.py``
(two ``@script`` functions calling ``addin.core``) and ``requirements.txt`` (the cchc wheel
the Sở publishes, whose dependencies micropip resolves) into the Lite editor.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import workbooks

DEFAULT_WHEEL_URL = f"https://cchc.example.gov.vn/lite/cchc-{workbooks.__version__}-py3-none-any.whl"


def requirements_text(wheel_url: str) -> str:
    """``requirements.txt`` for Lite: the cchc wheel (its dependencies come with it)."""
    return (
        "# Gói cchc của Sở Nội vụ (bánh xe .whl đặt trên máy chủ HTTPS của Sở, cho phép CORS).\n"
        "# Các gói phụ thuộc (pandas, pandera, openpyxl, python-calamine …) được cài tự động.\n"
        f"{wheel_url}\n"
    )


def build_lite(out: str | Path, wheel_url: str = DEFAULT_WHEEL_URL) -> list[Path]:
    """Write ``main.py``, ``requirements.txt`` and the Vietnamese instructions.

    Args:
        out: output folder (created).
        wheel_url: where units' Excel downloads the cchc wheel from.

    Returns:
        The paths written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = resources.files("addin")
    main = out / "main.py"
    main.write_text((files / "templates" / "lite_main.py.txt").read_text(encoding="utf-8"), encoding="utf-8")
    req = out / "requirements.txt"
    req.write_text(requirements_text(wheel_url), encoding="utf-8")
    guide = out / "HUONG_DAN_XLWINGS_LITE.md"
    guide.write_text((files / "docs" / "xlwings_lite.md").read_text(encoding="utf-8"), encoding="utf-8")
    return [main, req, guide]
