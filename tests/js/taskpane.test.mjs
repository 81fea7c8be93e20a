// Tests of addin/static/taskpane.js on a small fake of the Office.js Excel API.
// Run by tests/test_addin.py::test_taskpane_js (which passes a fixture with a real payload and
// the actions the server returned for it) or alone: node --test tests/js
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const tp = require("../../addin/static/taskpane.js");

const FIXTURE = process.env.CCHC_TASKPANE_FIXTURE
  ? JSON.parse(readFileSync(process.env.CCHC_TASKPANE_FIXTURE, "utf-8"))
  : null;

// ------------------------------------------------------------------ fake Excel

function colName(index) {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function cellName(row, col) {
  return colName(col) + String(row + 1);
}

function parseCell(text) {
  const m = /^([A-Z]+)(\d+)$/.exec(text);
  let col = 0;
  for (const ch of m[1]) col = col * 26 + ch.charCodeAt(0) - 64;
  return [Number(m[2]) - 1, col - 1];
}

class FakeRange {
  constructor(sheet, row, col, rows, cols) {
    Object.assign(this, { sheet, row, col, rows, cols });
    const cells = () => {
      const out = [];
      for (let r = row; r < row + rows; r++) for (let c = col; c < col + cols; c++) out.push(cellName(r, c));
      return out;
    };
    this.cells = cells;
    this.format = {
      fill: { set color(value) { cells().forEach((c) => sheet.fills.set(c, value)); } },
      font: new Proxy({}, { set(_, prop, value) { cells().forEach((c) => sheet.fonts.set(c + "." + String(prop), value)); return true; } }),
    };
  }
  get values() {
    return this.sheet.grid.slice(this.row, this.row + this.rows).map((line) => {
      const out = line.slice(this.col, this.col + this.cols);
      while (out.length < this.cols) out.push("");
      return out;
    });
  }
  get numberFormatCategories() {
    return this.numberFormat.map((line) => line.map((f) => (f === "General" ? "General" : "Date")));
  }
  get numberFormat() {
    const out = [];
    for (let r = this.row; r < this.row + this.rows; r++) {
      out.push([]);
      for (let c = this.col; c < this.col + this.cols; c++) out[out.length - 1].push(this.sheet.formats.get(cellName(r, c)) || "General");
    }
    return out;
  }
  set values(grid) {
    grid.forEach((line, i) => line.forEach((value, j) => {
      const r = this.row + i;
      const c = this.col + j;
      while (this.sheet.grid.length <= r) this.sheet.grid.push([]);
      while (this.sheet.grid[r].length <= c) this.sheet.grid[r].push("");
      this.sheet.grid[r][c] = value;
    }));
    this.sheet.book.log.push(["values", this.sheet.name, cellName(this.row, this.col)]);
  }
  set hyperlink(link) {
    this.cells().forEach((c) => this.sheet.links.set(c, link));
  }
  get address() {
    return `${this.sheet.name}!${cellName(this.row, this.col)}:${cellName(this.row + this.rows - 1, this.col + this.cols - 1)}`;
  }
  load() { return this; }
  clear(kind) {
    assert.equal(kind, "All");
    this.sheet.grid = [[""]];
    this.sheet.fills.clear();
    this.sheet.links.clear();
    this.sheet.fonts.clear();
  }
}

class FakeSheet {
  constructor(book, name, grid, tables) {
    Object.assign(this, { book, name, grid, fills: new Map(), links: new Map(), fonts: new Map(), formats: new Map() });
    this.tableData = tables || [];
    this.names = { items: [], load() {} };
  }
  get position() { return this.book.sheets.indexOf(this); }
  set position(value) {
    this.book.sheets.splice(this.book.sheets.indexOf(this), 1);
    this.book.sheets.splice(value, 0, this);
  }
  load() { return this; }
  getRange(address) {
    this.book.ranges += 1;
    if (address === undefined) return new FakeRange(this, 0, 0, 1048576, 16384);
    const [first, last] = address.includes(":") ? address.split(":") : [address, address];
    const [r0, c0] = parseCell(first);
    const [r1, c1] = parseCell(last);
    return new FakeRange(this, r0, c0, r1 - r0 + 1, c1 - c0 + 1);
  }
  getUsedRange() {
    const sheet = this;
    return {
      load() { return this; },
      get address() {
        const rows = sheet.grid.length;
        const cols = Math.max(1, ...sheet.grid.map((r) => r.length));
        return `${sheet.name}!A1:${cellName(rows - 1, cols - 1)}`;
      },
    };
  }
  get tables() {
    const sheet = this;
    const items = this.tableData.map((t) => ({
      name: t.name, showHeaders: t.show_headers, showTotals: t.show_totals, style: t.table_style,
      showFilterButton: t.show_autofilter,
      getRange: () => ({ load() { return this; }, address: `${sheet.name}!${t.range_address}` }),
      getDataBodyRange: () => ({ load() { return this; }, address: `${sheet.name}!${t.data_body_range_address}` }),
      getHeaderRowRange: () => ({ load() { return this; }, address: `${sheet.name}!${t.header_row_range_address}` }),
      getTotalRowRange: () => ({ load() { return this; }, address: `${sheet.name}!${t.total_row_range_address}` }),
    }));
    return { items, load() {} };
  }
  activate() { this.book.active = this; }
  delete() { this.book.sheets.splice(this.book.sheets.indexOf(this), 1); }
}

function fakeBook(payload) {
  const book = { sheets: [], log: [], syncs: 0, ranges: 0, active: null };
  book.sheets = payload.sheets.map((s) => new FakeSheet(book, s.name, s.values.map((r) => r.slice()), s.tables));
  book.active = book.sheets[payload.book.active_sheet_index];
  const names = (payload.names || []).filter((n) => n.book_scope).map((n) => ({
    name: n.name,
    type: "Range",
    getRangeOrNullObject: () => (n.address === null
      ? { isNullObject: true, load() {} }
      : { isNullObject: false, load() {}, address: `${book.sheets[n.sheet_index].name}!${n.address}`,
          worksheet: { load() {}, position: n.sheet_index } }),
  }));
  const context = {
    workbook: {
      name: payload.book.name,
      load() {},
      names: { items: names, load() {} },
      getSelectedRange: () => ({ load() {}, address: `${book.active.name}!${payload.book.selection}` }),
      worksheets: {
        get items() { return book.sheets.slice(); },
        load() {},
        getActiveWorksheet: () => ({ load() {}, get position() { return book.active.position; } }),
        add(name) {
          const sheet = new FakeSheet(book, name || `Sheet${book.sheets.length + 1}`, [[""]]);
          book.sheets.push(sheet);
          return sheet;
        },
      },
    },
    sync: async () => { book.syncs += 1; },
  };
  return { book, context };
}

const SMALL = {
  client: "Office.js", version: "x", book: { name: "b.xlsx", active_sheet_index: 0, selection: "A1" },
  names: [], sheets: [{ name: "Phụ lục II", values: [["a", ""], ["", 5]], pictures: [], tables: [] }],
};

// ------------------------------------------------------------------ tests

test("applies the server's actions from a real check", { skip: !FIXTURE && "run through pytest" }, async () => {
  const { book, context } = fakeBook(FIXTURE.payload);
  const alerts = await tp.applyActions(context, FIXTURE.actions);
  const fills = [];
  const links = [];
  for (const sheet of book.sheets) {
    for (const [cell, color] of sheet.fills) fills.push([sheet.name, cell, color]);
    for (const [cell, link] of sheet.links) {
      links.push([sheet.name, cell, link.documentReference ? "#" + link.documentReference : link.address]);
    }
  }
  const byKey = (a, b) => (a[0] + "!" + a[1] < b[0] + "!" + b[1] ? -1 : 1);
  assert.deepEqual(fills.sort(byKey), FIXTURE.fills.slice().sort(byKey));
  assert.deepEqual(links.sort(byKey), FIXTURE.links.slice().sort(byKey));
  const results = book.sheets.find((s) => s.name === "Kết quả kiểm tra");
  assert.ok(results, "results sheet added");
  const written = FIXTURE.actions.find((a) => a.func === "setValues");
  assert.deepEqual(results.grid.slice(0, written.values.length), written.values);
  assert.equal(results.fonts.get("A1.bold"), true);
  assert.equal(book.active, results, "errors: the results sheet is shown");
  assert.equal(alerts.length, 1);
  assert.match(alerts[0].prompt, /^Còn \d+ lỗi cần sửa trước khi gửi/);
  assert.equal(alerts[0].mode, "critical");
  assert.ok(book.syncs <= 4, `few syncs for ${FIXTURE.actions.length} actions (got ${book.syncs})`);
  // the unit's sheets: values untouched
  FIXTURE.payload.sheets.forEach((s, i) => assert.deepEqual(book.sheets[i].grid, s.values));
});

test("an action the pane does not know stops before changing anything", async () => {
  const { book, context } = fakeBook(SMALL);
  const actions = [
    { func: "setRangeColor", args: ["#F8CBAD"], sheet_position: 0, start_row: 0, start_column: 0, row_count: 1, column_count: 1 },
    { func: "addNote", args: ["A1", "x"], sheet_position: 0, start_row: 0, start_column: 0, row_count: 1, column_count: 1 },
  ];
  await assert.rejects(tp.applyActions(context, actions), /chưa hỗ trợ: addNote/);
  assert.equal(book.sheets[0].fills.size, 0);
});

test("links: cells of the workbook by documentReference, web addresses by address", async () => {
  const { book, context } = fakeBook(SMALL);
  const at = { sheet_position: 0, start_row: 0, start_column: 0, row_count: 1, column_count: 1 };
  await tp.applyActions(context, [{ func: "addHyperlink", args: ["#'Phụ lục II'!B2", "B2", "Đi tới"], ...at }]);
  assert.deepEqual(book.sheets[0].links.get("A1"), { textToDisplay: "B2", screenTip: "Đi tới", documentReference: "'Phụ lục II'!B2" });
  await tp.applyActions(context, [{ func: "addHyperlink", args: ["https://sonoivu.gov.vn", null, null], ...at }]);
  assert.deepEqual(book.sheets[0].links.get("A1"), { textToDisplay: "https://sonoivu.gov.vn", screenTip: "", address: "https://sonoivu.gov.vn" });
});

test("sheets added and deleted: later actions use the new positions", async () => {
  const { book, context } = fakeBook(SMALL);
  const alerts = await tp.applyActions(context, [
    { func: "addSheet", args: [1, "Kết quả kiểm tra"] },
    { func: "setValues", values: [["x"]], sheet_position: 1, start_row: 0, start_column: 0, row_count: 1, column_count: 1 },
    { func: "activateSheet", args: [0] },
    { func: "setRangeColor", args: ["#FFFDE7"], sheet_position: 0, start_row: 1, start_column: 1, row_count: 1, column_count: 1 },
    { func: "sheetDelete", args: [null], sheet_position: 1 },
    { func: "alert", args: ["Đã xóa đánh dấu 1 ô.", "Kiểm tra báo cáo CCHC", "ok", "info", ""] },
  ]);
  assert.deepEqual(book.sheets.map((s) => s.name), ["Phụ lục II"]);
  assert.equal(book.sheets[0].fills.get("B2"), "#FFFDE7");
  assert.deepEqual(alerts, [{ prompt: "Đã xóa đánh dấu 1 ô.", title: "Kiểm tra báo cáo CCHC", mode: "info" }]);
});

test("sheetClear empties the results sheet (values, fills, links)", async () => {
  const { book, context } = fakeBook(SMALL);
  const at = { sheet_position: 0, start_row: 0, start_column: 0, row_count: 1, column_count: 1 };
  await tp.applyActions(context, [
    { func: "setRangeColor", args: ["#F8CBAD"], ...at },
    { func: "sheetClear", args: [null], sheet_position: 0 },
  ]);
  assert.equal(book.sheets[0].fills.size, 0);
  assert.deepEqual(book.sheets[0].grid, [[""]]);
});

test("dates: the same ISO strings as xlwings' client and the Python test payload", { skip: !FIXTURE && "run through pytest" }, () => {
  for (const [serial, iso] of FIXTURE.iso) assert.equal(tp.isoFromSerial(serial), iso);
  const values = [[45292, 3, "x"]];
  tp.convertDates(values, [["Date", "General", "Text"]]);
  assert.deepEqual(values, [["2024-01-01T00:00:00.000Z", 3, "x"]]);
});

test("buildPayload gives the xlwings Office.js payload", { skip: !FIXTURE && "run through pytest" }, async () => {
  const { context } = fakeBook(FIXTURE.payload);
  const payload = await tp.buildPayload(context);
  const expected = JSON.parse(JSON.stringify(FIXTURE.payload));
  expected.version = tp.CLIENT_VERSION;
  expected.names = expected.names.filter((n) => n.book_scope);
  assert.deepEqual(payload, expected);
});

test("a1 addresses from the action's indexes", () => {
  assert.equal(tp.a1(13, 3, 1, 1), "D14");
  assert.equal(tp.a1(13, 3, 3, 1), "D14:D16");
  assert.equal(tp.a1(0, 25, 1, 3), "Z1:AB1");
  assert.equal(tp.a1(9, 701, 1, 2), "ZZ10:AAA10");
});

test("date formats are recognised without ExcelApi 1.12", () => {
  for (const f of ["dd/mm/yyyy", "d/m/yy", "[$-42A]dd/mm/yyyy", "yyyy-mm-dd hh:mm", "h:mm:ss", "mmm yyyy"]) {
    assert.equal(tp.isDateFormat(f), true, f);
  }
  for (const f of ["General", "#,##0", "0.0#", "@", "0%", '#,##0 "ngày"', "_(* #,##0_)", "[Red]0.00"]) {
    assert.equal(tp.isDateFormat(f), false, f);
  }
});

test("Excel 2016 (ExcelApi 1.1): no names, plain tables, dates from formats, no links", async () => {
  const only11 = (version) => version === "1.1";
  const payload = {
    ...SMALL,
    names: [{ name: "CCHC_UNIT_CODE", sheet_index: 0, address: "B2", scope_sheet_name: null, scope_sheet_index: null, book_scope: true }],
    sheets: [{ name: "Phụ lục I", values: [["STT", "Ngày"], [1, 45292]], pictures: [], tables: [
      { name: "tbl_pl1", range_address: "A1:B2", header_row_range_address: "A1:B1", data_body_range_address: "A2:B2",
        total_row_range_address: null, show_headers: true, show_totals: false, table_style: "TableStyleLight1", show_autofilter: false }] }],
  };
  const { book, context } = fakeBook(payload);
  book.sheets[0].formats.set("B2", "dd/mm/yyyy");
  const built = await tp.buildPayload(context, only11);
  assert.deepEqual(built.names, []);
  assert.deepEqual(built.sheets[0].values, [["STT", "Ngày"], [1, "2024-01-01T00:00:00.000Z"]]);
  assert.deepEqual(built.sheets[0].tables, [{ ...payload.sheets[0].tables[0], table_style: null }]);
  const at = { sheet_position: 0, start_row: 1, start_column: 1, row_count: 1, column_count: 1 };
  await tp.applyActions(context, [
    { func: "setRangeColor", args: ["#F8CBAD"], ...at },
    { func: "addHyperlink", args: ["#'Phụ lục I'!B2", "B2", ""], ...at },
  ], only11);
  assert.equal(book.sheets[0].fills.get("B2"), "#F8CBAD");
  assert.equal(book.sheets[0].links.size, 0);
});

test("postPayload: actions, Vietnamese server errors, network failure", async () => {
  const calls = [];
  const ok = async (url, init) => {
    calls.push([url, JSON.parse(init.body)]);
    return { ok: true, status: 200, json: async () => ({ actions: [{ func: "alert", args: ["x", "", "", "", ""] }] }) };
  };
  assert.equal((await tp.postPayload("https://s/xlwings/kiem-tra", SMALL, ok)).length, 1);
  assert.deepEqual(calls[0], ["https://s/xlwings/kiem-tra", SMALL]);
  const refused = async () => ({ ok: false, status: 413, json: async () => ({ detail: "Sổ Excel gửi lên quá lớn" }) });
  await assert.rejects(tp.postPayload("u", SMALL, refused), /quá lớn/);
  const html = async () => ({ ok: false, status: 502, json: async () => { throw new Error("not json"); } });
  await assert.rejects(tp.postPayload("u", SMALL, html), /lỗi 502/);
  const down = async () => { throw new TypeError("Failed to fetch"); };
  await assert.rejects(tp.postPayload("u", SMALL, down), /Không kết nối được máy chủ/);
  const denied = async () => ({ ok: false, status: 401, json: async () => ({ detail: "yêu cầu mã truy cập" }) });
  await assert.rejects(tp.postPayload("u", SMALL, denied), (e) => e.status === 401 && /mã truy cập/.test(e.message));
});

test("access code: sent as the Authorization header (xlwings' auth option), never when empty", async () => {
  const seen = [];
  const ok = async (url, init) => {
    seen.push(init.headers);
    return { ok: true, status: 200, json: async () => ({ actions: [] }) };
  };
  assert.equal(tp.authFor("  abc123  "), "Bearer abc123");
  assert.equal(tp.authFor(""), "");
  await tp.postPayload("u", SMALL, ok, { auth: tp.authFor("ma-cua-tinh-0123456789abcdef") });
  await tp.postPayload("u", SMALL, ok, { auth: tp.authFor("   ") });
  await tp.postPayload("u", SMALL, ok);
  assert.equal(seen[0].Authorization, "Bearer ma-cua-tinh-0123456789abcdef");
  assert.equal(seen[0]["Content-Type"], "application/json");
  assert.ok(!("Authorization" in seen[1]) && !("Authorization" in seen[2]));
  const { context } = fakeBook(SMALL);
  const excel = { run: async (batch) => batch(context) };
  await tp.run("check", { excel, base: "https://cchc.example.gov.vn/taskpane.html", fetch: ok, auth: "Bearer x" });
  assert.equal(seen[3].Authorization, "Bearer x");
});

test("run: reads the book, posts to the endpoint next to the pane, applies the answer", async () => {
  const { book, context } = fakeBook(SMALL);
  let posted = null;
  const fetchImpl = async (url, init) => {
    posted = [url, JSON.parse(init.body)];
    return {
      ok: true, status: 200,
      json: async () => ({ actions: [
        { func: "setRangeColor", args: ["#F8CBAD"], sheet_position: 0, start_row: 1, start_column: 1, row_count: 1, column_count: 1 },
        { func: "alert", args: ["Còn 1 lỗi cần sửa trước khi gửi", "Kiểm tra báo cáo CCHC", "ok", "critical", ""] },
      ] }),
    };
  };
  const excel = { run: async (batch) => batch(context) };
  const alerts = await tp.run("check", { excel, base: "https://cchc.example.gov.vn/taskpane.html", fetch: fetchImpl });
  assert.equal(posted[0], "https://cchc.example.gov.vn/xlwings/kiem-tra");
  assert.equal(posted[1].client, "Office.js");
  assert.deepEqual(posted[1].sheets[0].values, [["a", ""], ["", 5]]);
  assert.equal(book.sheets[0].fills.get("B2"), "#F8CBAD");
  assert.equal(alerts[0].mode, "critical");
  await tp.run("clear", { excel, base: "https://cchc.example.gov.vn/taskpane.html", fetch: fetchImpl });
  assert.equal(posted[0], "https://cchc.example.gov.vn/xlwings/xoa-danh-dau");
});
