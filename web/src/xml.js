// DfE 903 XML returns (root EXPSSDA903), read with the browser's DOMParser.
//
// The twin of src/ssda903/ingest/xml.py, started: the file is parsed and checked to be a 903
// return (LOAD01 not XML, LOAD10 empty, LOAD11 another root). Turning its elements into
// table rows needs the model's XML layout in the plan (the plan's ``xml`` entry); until the
// plan carries it, a 903 XML file is reported as not read here, with what to do instead.

import { problem } from "./problems.js";

const ROOT = "EXPSSDA903";
/** other XML formats an analyst might pick up by mistake, by root element */
const OTHER_FORMATS = {
  Message: "the children in need (CIN) census",
  CSWW: "the children's social work workforce census",
};

export async function loadXml(ds, bytes, { period, file }) {
  const say = (code, message) => ds.addProblem(problem(code, message, { file, period }));
  let text = new TextDecoder(bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : "utf-8").decode(bytes);
  if (!text.trim()) {
    say("LOAD10", "The file has no content at all.");
    return;
  }
  const doc = new DOMParser().parseFromString(text, "application/xml");
  const error = doc.getElementsByTagName("parsererror")[0];
  if (error) {
    const said = (error.textContent || "").trim().split(/\r?\n/).slice(0, 2).join(" ");
    say("LOAD01", `The XML is not well-formed: ${said.slice(0, 200)}.`);
    return;
  }
  const root = doc.documentElement;
  if (!root) {
    say("LOAD10", "The file has no XML elements.");
    return;
  }
  const name = root.localName;
  if (name !== ROOT) {
    const other = OTHER_FORMATS[name] ? ` It looks like ${OTHER_FORMATS[name]} return.` : "";
    say("LOAD11", `The root element is <${name}>, not <${ROOT}>.${other}`);
    return;
  }
  const layout = ds.model.xml;
  if (!layout) {
    say(
      "LOAD01",
      "DfE XML returns are not read on this page yet; validate the XML file with the ssda903 command, " +
        "or give the CSV or Excel files.",
    );
    return;
  }
}
