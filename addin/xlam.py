"""Build the desktop ribbon add-ins from xlwings' own template (``cchc addin build``).

xlwings' ribbon add-in template (``xlwings quickstart NAME --addin --ribbon`` copies
``quickstart_addin_ribbon.xlam``) holds one VBA callback, ``RibbonMyAddin.RunMain``, which runs
``import <add-in file name>; <add-in file name>.main()``. The VBA project stays byte for byte
as xlwings ships it (nothing to sign or trust anew); only ``customUI/customUI.xml`` is
rewritten. Since one VBA callback cannot tell two buttons apart, each button is its own
add-in file with its own Python module:

- ``KiemTraCCHC.xlam`` + ``KiemTraCCHC.py`` — button "Kiểm tra" (``addin.desktop.kiem_tra``);
- ``XoaDanhDauCCHC.xlam`` + ``XoaDanhDauCCHC.py`` — button "Xóa đánh dấu".

Both declare the same qualified tab and group (``idQ`` in a shared namespace), so Excel shows
one tab "CCHC" with both buttons side by side.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import quoteattr

import xlwings

TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
CUSTOM_UI = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
NAMESPACE = "urn:cchc:sonoivu:addin"
TAB_LABEL = "CCHC"
GROUP_LABEL = "Kiểm tra báo cáo"
CONFIG_NAME = "myaddin.conf"  # the template's VBA PROJECT_NAME is "myaddin"


@dataclass(frozen=True)
class Button:
    """One ribbon button = one add-in file and the Python module it runs."""

    name: str  # file stem = Python module name (the template's RunMain imports it)
    id: str
    label: str
    image: str  # imageMso
    screentip: str
    supertip: str
    function: str  # addin.desktop function the module's main() calls


BUTTONS = (
    Button("KiemTraCCHC", "cchcKiemTra", "Kiểm tra", "AcceptInvitation", "Kiểm tra báo cáo CCHC",
           "Kiểm tra sổ đang mở theo quy tắc của Sở Nội vụ: tô đỏ ô sai, tô vàng ô cần xem lại, "
           "lập sheet Kết quả kiểm tra.", "kiem_tra"),
    Button("XoaDanhDauCCHC", "cchcXoaDanhDau", "Xóa đánh dấu", "ClearFormats", "Xóa đánh dấu",
           "Trả các ô đã tô màu về màu nền ban đầu và xóa sheet Kết quả kiểm tra. Không đụng tới số liệu.",
           "xoa_danh_dau"),
)


def custom_ui(button: Button) -> str:
    """The ribbon XML of one add-in: tab "CCHC", shared group, one large button."""
    attrs = {
        "id": button.id, "label": button.label, "size": "large", "imageMso": button.image,
        "screentip": button.screentip, "supertip": button.supertip, "onAction": "RibbonMyAddin.RunMain",
    }
    xml_attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui" xmlns:cchc="{NAMESPACE}">\n'
        "  <ribbon>\n    <tabs>\n"
        f'      <tab idQ="cchc:tabCCHC" label={quoteattr(TAB_LABEL)}>\n'
        f'        <group idQ="cchc:groupKiemTra" label={quoteattr(GROUP_LABEL)}>\n'
        f"          <button {xml_attrs} />\n"
        "        </group>\n      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n"
    )


def write_xlam(button: Button, target: Path, template: Path = TEMPLATE) -> Path:
    """Copy the template part by part, replacing only the ribbon XML."""
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = custom_ui(button).encode("utf-8") if info.filename == CUSTOM_UI else src.read(info)
            dst.writestr(info, data)
    tmp.replace(target)
    return target


def module_text(button: Button) -> str:
    """The Python module the add-in's button imports (``<name>.main()``)."""
    template = resources.files("addin") / "templates" / "ribbon_module.py.txt"
    text = template.read_text(encoding="utf-8")
    return text.replace("{label}", button.label).replace("{function}", button.function) \
        .replace("{name}", button.name)


def config_text(python_win: str, python_mac: str) -> str:
    """xlwings' config file (``"KEY","value"`` lines) read by the template's VBA."""
    lines = {
        "INTERPRETER_WIN": python_win,
        "INTERPRETER_MAC": python_mac,
        "SHOW CONSOLE": "False",
    }
    return "".join(f'"{k}","{v}"\r\n' for k, v in lines.items())


def build(out: str | Path, python_win: str = "pythonw", python_mac: str = "/usr/local/bin/python3") -> list[Path]:
    """Write both add-ins, their Python modules, the config file and the install guide.

    Args:
        out: output folder (created).
        python_win: interpreter on Windows (``pythonw`` from PATH, or a full path).
        python_mac: interpreter on macOS (a full path).

    Returns:
        The paths written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for button in BUTTONS:
        written.append(write_xlam(button, out / f"{button.name}.xlam"))
        module = out / f"{button.name}.py"
        module.write_text(module_text(button), encoding="utf-8")
        written.append(module)
    conf = out / CONFIG_NAME
    conf.write_text(config_text(python_win, python_mac), encoding="utf-8")
    guide = out / "HUONG_DAN_CAI_DAT.md"
    guide.write_text((resources.files("addin") / "docs" / "cai_dat_excel.md").read_text(encoding="utf-8"),
                     encoding="utf-8")
    return [*written, conf, guide]
