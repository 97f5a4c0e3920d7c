// Load problems found while reading files (LOAD01 …), in the shape of the file_problems table.
//
// The codes and wording follow src/ssda903/problems.py and the Python readers, so a file
// gives the same finding on the page as on the command line.

/** One problem with the input, located as precisely as it can be. */
export function problem(code, message, { file = "", line = null, column = "", value = null, table = "", period = "current", row = null, child = null } = {}) {
  return { code, message, file, line, column, value, table, period, row, child };
}

/** A string as Python's repr() writes it (the Python readers quote names with !r). */
export function pyRepr(text) {
  const s = String(text);
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return quote + out + quote;
}

/** A whole number with thousands separators, as Python's f"{n:,}". */
export function thousands(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The first line of an error's message. */
export function firstLine(e) {
  const text = String(e && e.message !== undefined ? e.message : e).trim();
  return text.split(/\r?\n/)[0] || (e && e.name) || "Error";
}
