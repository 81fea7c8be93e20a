/*
 * Ngăn "Kiểm tra CCHC" (Office.js): đọc sổ Excel đang mở, gửi lên máy chủ của Sở,
 * rồi làm theo các thao tác máy chủ trả về (tô màu ô, ghi sheet "Kết quả kiểm tra", thông báo).
 *
 * The payload is the one xlwings' Office.js client sends (client "Office.js", version, book,
 * names, sheets with values from A1 to the end of the used range, tables, pictures), so the
 * server can open it with xw.Book(json=payload). Only the actions addin/core.py emits are
 * implemented; any other action stops with a clear message instead of half-applying.
 *
 * Requirement: ExcelApi 1.1 (Excel 2016). Newer features are used only when the host has them
 * ("supports(version)"): named ranges and sheet-scope names (1.4), table flags (1.3),
 * hyperlinks (1.7; without them the cell address stays as text), number format categories
 * (1.12; without them the pane recognises date formats itself, so Excel 2016/2019 send dates
 * as dates too, where xlwings' own client sends serial numbers).
 *
 * Plain script (no build step): in Excel it defines globalThis.cchcTaskpane and wires the
 * buttons; under Node (tests) it is loaded with require() and exports the same functions.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  root.cchcTaskpane = api;
  if (typeof Office !== "undefined" && Office.onReady && typeof document !== "undefined") {
    Office.onReady(() => api.init(document));
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const CLIENT = "Office.js";
  // xlwings accepts any version from an "Office.js" client; this is informative only.
  const CLIENT_VERSION = "cchc-taskpane-1";
  const ENDPOINTS = { check: "xlwings/kiem-tra", clear: "xlwings/xoa-danh-dau" };

  // ------------------------------------------------------------------ payload

  /** The client's date conversion: serial number -> ISO string (as xlwings' client). */
  function isoFromSerial(serial) {
    return new Date(Math.round((serial - 25569) * 86400 * 1000)).toISOString();
  }

  /** Numbers formatted as dates/times become ISO strings (ExcelApi 1.12+ only). */
  function convertDates(values, categories) {
    values.forEach((row, r) => {
      row.forEach((value, c) => {
        const category = String(categories[r][c]);
        if ((category === "Date" || category === "Time") && typeof value === "number") {
          values[r][c] = isoFromSerial(value);
        }
      });
    });
    return values;
  }

  /** Whether an Excel number format shows a date or a time (for hosts without ExcelApi 1.12). */
  function isDateFormat(format) {
    const plain = String(format)
      .replace(/"[^"]*"/g, "")
      .replace(/\[[^\]]*\]/g, "")
      .replace(/\\./g, "")
      .replace(/[_*]./g, "")
      .trim();
    if (plain === "" || plain === "@" || /^general$/i.test(plain)) {
      return false;
    }
    return /[dy]/i.test(plain) || (/h/i.test(plain) && /[ms]/i.test(plain));
  }

  /** Categories like numberFormatCategories ("Date" or "General") from number formats. */
  function categoriesOf(formats) {
    return formats.map((row) => row.map((format) => (isDateFormat(format) ? "Date" : "General")));
  }

  function lastPart(address) {
    return String(address).split("!").pop();
  }

  function columnName(index) {
    let name = "";
    for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
      name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    }
    return name;
  }

  /** "B3:C4" from 0-based indexes (getRange(address) is ExcelApi 1.1, getRangeByIndexes 1.7). */
  function a1(row, column, rows, columns) {
    const first = columnName(column) + (row + 1);
    const last = columnName(column + columns - 1) + (row + rows);
    return first === last ? first : first + ":" + last;
  }

  const ALL = () => true;

  async function rangeNames(context, collection, scope) {
    collection.load("items/name,items/type");
    await context.sync();
    const found = collection.items
      .filter((item) => item.type === "Range")
      .map((item) => ({ item, range: item.getRangeOrNullObject() }));
    found.forEach((entry) => entry.range.load("address"));
    await context.sync();
    found.forEach((entry) => {
      if (!entry.range.isNullObject) {
        entry.sheet = entry.range.worksheet;
        entry.sheet.load("position");
      }
    });
    await context.sync();
    return found.map((entry) => ({
      name: entry.item.name,
      sheet_index: entry.sheet ? entry.sheet.position : null,
      address: entry.range.isNullObject ? null : lastPart(entry.range.address),
      scope_sheet_name: scope ? scope.name : null,
      scope_sheet_index: scope ? scope.position : null,
      book_scope: !scope,
    }));
  }

  async function sheetTables(context, sheet, supports) {
    const flags = supports("1.3");
    const tables = sheet.tables;
    tables.load(flags ? "items/name,items/showHeaders,items/showTotals,items/style,items/showFilterButton"
      : "items/name");
    await context.sync();
    const loaders = tables.items.map((table) => {
      const headers = flags ? table.showHeaders : true;
      const totals = flags ? table.showTotals : false;
      return {
        table, headers, totals,
        range: table.getRange().load("address"),
        body: table.getDataBodyRange().load("address"),
        header: headers ? table.getHeaderRowRange().load("address") : null,
        total: totals ? table.getTotalRowRange().load("address") : null,
      };
    });
    await context.sync();
    return loaders.map((t) => ({
      name: t.table.name,
      range_address: lastPart(t.range.address),
      header_row_range_address: t.header ? lastPart(t.header.address) : null,
      data_body_range_address: lastPart(t.body.address),
      total_row_range_address: t.total ? lastPart(t.total.address) : null,
      show_headers: t.headers,
      show_totals: t.totals,
      table_style: flags ? t.table.style : null,
      show_autofilter: flags ? t.table.showFilterButton : false,
    }));
  }

  /**
   * Read the open workbook into the xlwings Office.js payload.
   * @param {Excel.RequestContext} context
   * @param {(version: string) => boolean} [supports] ExcelApi requirement check (all when omitted)
   */
  async function buildPayload(context, supports) {
    const has = supports || ALL;
    const categories = has("1.12");
    const workbook = context.workbook;
    workbook.load("name");
    const worksheets = workbook.worksheets;
    worksheets.load("items/name,items/position");
    const active = worksheets.getActiveWorksheet();
    active.load("position");
    await context.sync();
    let selection = null;
    try {
      const selected = workbook.getSelectedRange();
      selected.load("address");
      await context.sync();
      selection = lastPart(selected.address);
    } catch (error) {
      selection = null; // a shape or chart is selected
    }
    const withNames = has("1.4");
    let names = withNames ? await rangeNames(context, workbook.names, null) : [];
    const sheets = worksheets.items;
    const used = sheets.map((sheet) => sheet.getUsedRange().load("address"));
    await context.sync();
    const ranges = sheets.map((sheet, i) => {
      const range = sheet.getRange("A1:" + lastPart(used[i].address).split(":").pop());
      range.load(categories ? "values,numberFormatCategories" : "values,numberFormat");
      return range;
    });
    await context.sync();
    const out = [];
    for (let i = 0; i < sheets.length; i++) {
      const sheet = sheets[i];
      if (withNames) {
        names = names.concat(await rangeNames(context, sheet.names, sheet));
      }
      const values = ranges[i].values;
      convertDates(values, categories ? ranges[i].numberFormatCategories : categoriesOf(ranges[i].numberFormat));
      out.push({ name: sheet.name, values, pictures: [], tables: await sheetTables(context, sheet, has) });
    }
    return {
      client: CLIENT,
      version: CLIENT_VERSION,
      book: { name: workbook.name, active_sheet_index: active.position, selection },
      names,
      sheets: out,
    };
  }

  // ------------------------------------------------------------------ actions

  async function loadSheets(state) {
    const worksheets = state.context.workbook.worksheets;
    worksheets.load("items/name");
    await state.context.sync();
    state.sheets = worksheets.items;
  }

  function sheetAt(state, position) {
    const sheet = state.sheets[Number(position)];
    if (!sheet) {
      throw new Error(`Không tìm thấy sheet thứ ${Number(position) + 1} trong sổ.`);
    }
    return sheet;
  }

  function rangeOf(state, action) {
    return sheetAt(state, action.sheet_position).getRange(
      a1(action.start_row, action.start_column, action.row_count, action.column_count));
  }

  /** Handlers of the actions addin/core.py emits (same meaning as in xlwings' client). */
  const HANDLERS = {
    setValues(state, action) {
      rangeOf(state, action).values = action.values;
    },
    setRangeColor(state, action) {
      rangeOf(state, action).format.fill.color = String(action.args[0]);
    },
    setFontProperty(state, action) {
      const property = String(action.args[0]);
      let value = action.args[1];
      if (property === "bold" || property === "italic") {
        value = Boolean(value);
      }
      rangeOf(state, action).format.font[property] = value;
    },
    addHyperlink(state, action) {
      if (!state.supports("1.7")) {
        return; // Excel 2016 without ExcelApi 1.7: the results sheet keeps the address as text
      }
      const [address, text, tip] = action.args.map((x) => (x == null ? "" : String(x)));
      const link = { textToDisplay: text || address, screenTip: tip };
      if (address.startsWith("#")) {
        link.documentReference = address.slice(1); // a cell of this workbook
      } else {
        link.address = address;
      }
      rangeOf(state, action).hyperlink = link;
    },
    async addSheet(state, action) {
      const name = action.args[1] == null ? undefined : String(action.args[1]);
      const sheet = state.context.workbook.worksheets.add(name);
      sheet.position = Number(action.args[0]);
      await loadSheets(state);
    },
    sheetClear(state, action) {
      sheetAt(state, action.sheet_position).getRange().clear("All");
    },
    async sheetDelete(state, action) {
      sheetAt(state, action.sheet_position).delete();
      await loadSheets(state);
    },
    activateSheet(state, action) {
      sheetAt(state, action.args[0]).activate();
    },
    alert(state, action) {
      const [prompt, title, , mode] = action.args.map((x) => (x == null ? "" : String(x)));
      state.alerts.push({ prompt, title, mode: mode || "info" });
    },
  };

  /**
   * Apply the server's actions to the workbook, in order, with as few syncs as possible.
   * @param {(version: string) => boolean} [supports] ExcelApi requirement check (all when omitted)
   * @returns {Promise<Array<{prompt: string, title: string, mode: string}>>} the alerts
   */
  async function applyActions(context, actions, supports) {
    const unknown = actions.filter((a) => !Object.prototype.hasOwnProperty.call(HANDLERS, a.func));
    if (unknown.length > 0) {
      const names = [...new Set(unknown.map((a) => a.func))].join(", ");
      throw new Error(`Máy chủ trả về thao tác ngăn kiểm tra chưa hỗ trợ: ${names}. Hãy cập nhật ngăn kiểm tra.`);
    }
    const state = { context, sheets: [], alerts: [], supports: supports || ALL };
    await loadSheets(state);
    for (const action of actions) {
      await HANDLERS[action.func](state, action);
    }
    await context.sync();
    return state.alerts;
  }

  // ------------------------------------------------------------------ server

  async function readError(response) {
    try {
      const data = await response.json();
      if (data && data.detail) {
        return String(data.detail);
      }
    } catch (error) {
      // not JSON
    }
    return `Máy chủ trả lời lỗi ${response.status}.`;
  }

  /** The Authorization value for the province's access code ("" when none is set). */
  function authFor(code) {
    const trimmed = String(code || "").trim();
    return trimmed ? `Bearer ${trimmed}` : "";
  }

  /**
   * POST the payload; returns the actions or throws an Error with a Vietnamese message
   * (and the HTTP status as error.status).
   * @param {{auth?: string}} [options] xlwings' custom-auth shape: auth is sent as the
   *   Authorization header when not empty.
   */
  async function postPayload(url, payload, fetchImpl, options) {
    const doFetch = fetchImpl || fetch;
    const headers = { "Content-Type": "application/json" };
    const auth = (options && options.auth) || "";
    if (auth) {
      headers.Authorization = auth;
    }
    let response;
    try {
      response = await doFetch(url, { method: "POST", headers, body: JSON.stringify(payload) });
    } catch (error) {
      throw new Error("Không kết nối được máy chủ kiểm tra của Sở. Kiểm tra mạng rồi bấm lại.");
    }
    if (!response.ok) {
      const error = new Error(await readError(response));
      error.status = response.status;
      throw error;
    }
    const data = await response.json();
    return Array.isArray(data && data.actions) ? data.actions : [];
  }

  // ------------------------------------------------------------------ task pane

  /**
   * One click: read the workbook, ask the server, apply the answer.
   * @param {"check"|"clear"} kind
   * @param {{excel: object, base: string, fetch?: Function, supports?: Function, auth?: string}} deps
   */
  async function run(kind, deps) {
    const url = new URL(ENDPOINTS[kind], deps.base).toString();
    return deps.excel.run(async (context) => {
      const payload = await buildPayload(context, deps.supports);
      const actions = await postPayload(url, payload, deps.fetch, { auth: deps.auth });
      return applyActions(context, actions, deps.supports);
    });
  }

  function show(doc, text, mode) {
    const status = doc.getElementById("status");
    status.textContent = text;
    status.className = "status " + (mode || "info");
  }

  const CODE_KEY = "cchc.maTruyCap";

  /** The access code kept on this computer ("" when none, or when storage is blocked). */
  function savedCode(storage) {
    try {
      return (storage && storage.getItem(CODE_KEY)) || "";
    } catch (error) {
      return "";
    }
  }

  function saveCode(storage, code) {
    try {
      if (code) {
        storage.setItem(CODE_KEY, code);
      } else {
        storage.removeItem(CODE_KEY);
      }
    } catch (error) {
      // storage blocked: the code is used for this session only
    }
  }

  function init(doc) {
    const buttons = [doc.getElementById("kiem-tra"), doc.getElementById("xoa-danh-dau")];
    const supports = (version) => Office.context.requirements.isSetSupported("ExcelApi", version);
    const storage = typeof localStorage !== "undefined" ? localStorage : null;
    const codeInput = doc.getElementById("ma-truy-cap");
    codeInput.value = savedCode(storage);
    codeInput.addEventListener("change", () => saveCode(storage, codeInput.value.trim()));
    const click = (kind, busyText) => async () => {
      buttons.forEach((b) => (b.disabled = true));
      show(doc, busyText, "busy");
      try {
        const auth = authFor(codeInput.value);
        const alerts = await run(kind, { excel: Excel, base: window.location.href, supports, auth });
        const last = alerts[alerts.length - 1];
        show(doc, last ? last.prompt : "Xong.", last ? last.mode : "info");
      } catch (error) {
        if (error && error.status === 401) {
          doc.getElementById("truy-cap").open = true;
          codeInput.focus();
        }
        show(doc, error && error.message ? error.message : String(error), "critical");
      } finally {
        buttons.forEach((b) => (b.disabled = false));
      }
    };
    buttons[0].addEventListener("click", click("check", "Đang kiểm tra…"));
    buttons[1].addEventListener("click", click("clear", "Đang xóa đánh dấu…"));
  }

  return {
    CLIENT,
    CLIENT_VERSION,
    ENDPOINTS,
    HANDLERS,
    isoFromSerial,
    convertDates,
    isDateFormat,
    a1,
    buildPayload,
    applyActions,
    authFor,
    postPayload,
    run,
    init,
  };
});
