"""Cell formats (Times New Roman, as official documents are printed)."""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

FONT = "Times New Roman"
INPUT_FILL = "#FFFDE7"
ERROR_FILL = "#F8CBAD"
LOCKED_GREY = "#808080"


class Styles:
    """All formats of one workbook, created once (xlsxwriter formats belong to a workbook)."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter", "text_wrap": True}

        def fmt(**extra: object) -> Format:
            return wb.add_format({**base, **extra})

        self.title = fmt(bold=True, font_size=14, align="center")
        self.subtitle = fmt(italic=True, align="center")
        self.caption = fmt(bold=True, align="center", text_wrap=False)
        self.header = fmt(bold=True, align="center", border=1, bg_color="#D9E1F2")
        self.heading_stt = fmt(bold=True, align="center", border=1, locked=True)
        self.heading = fmt(bold=True, border=1, locked=True)
        self.label = fmt(border=1, locked=True)
        self.label_center = fmt(border=1, align="center", locked=True)
        self.input = fmt(border=1, locked=False, bg_color=INPUT_FILL, num_format="#,##0")
        self.input_decimal = fmt(border=1, locked=False, bg_color=INPUT_FILL, num_format="0.0#")
        self.input_text = fmt(border=1, locked=False, bg_color=INPUT_FILL)
        self.input_date = fmt(border=1, locked=False, bg_color=INPUT_FILL, num_format="dd/mm/yyyy",
                              align="center")
        self.input_center = fmt(border=1, locked=False, bg_color=INPUT_FILL, align="center")
        self.computed = fmt(border=1, locked=True, num_format="0.00", bg_color="#EDEDED")
        self.code = fmt(font_size=9, font_color=LOCKED_GREY, border=1, locked=True)
        self.helper = fmt(font_size=9, locked=True)
        self.status = fmt(bold=True, font_color="#C00000", text_wrap=False)
        self.info_key = fmt(bold=True, border=1, locked=True)
        self.info_value = fmt(border=1, locked=True)
        self.info_input = fmt(border=1, locked=False, bg_color=INPUT_FILL)
        self.text = fmt(locked=True)
        self.sign_place = fmt(italic=True, align="center")
        self.sign_title = fmt(bold=True, align="center")
        self.sign_note = fmt(italic=True, align="center")
        self.sign_name = fmt(bold=True, align="center")
        self._computed: dict[int, Format] = {2: self.computed}
        self._fmt = fmt
        self.error_mark = wb.add_format({"bg_color": ERROR_FILL, "font_color": "#9C0006"})
        self.warning_mark = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#7F6000"})
        self.ok_mark = wb.add_format({"font_color": "#006100"})

    def computed_with(self, decimals: int) -> Format:
        """The computed-cell format with ``decimals`` digits after the decimal separator."""
        if decimals not in self._computed:
            pattern = "0." + "0" * decimals if decimals else "0"
            self._computed[decimals] = self._fmt(border=1, locked=True, num_format=pattern,
                                                 bg_color="#EDEDED")
        return self._computed[decimals]
