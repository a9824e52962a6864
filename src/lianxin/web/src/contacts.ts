// Address-book files people export from their phones or mail: vCard (.vcf) and CSV.
// Each contact becomes {name, phone} entries (one per number) for POST /api/v1/addressbook.

export interface BookEntry {
  name: string;
  phone: string;
}

const PHONE_CHARS = /^[+\d][\d\s().-]{3,}$/;

function clean(phone: string): string {
  return phone.trim().replace(/^tel:/i, "");
}

function unescapeVcard(v: string): string {
  return v.replace(/\\([,;\\])/g, "$1").replace(/\\n/gi, " ").trim();
}

/** Contacts from vCard text (2.1, 3.0 and 4.0; folded lines; TEL with any parameters). */
export function parseVcard(text: string): BookEntry[] {
  const lines = text.replace(/\r\n?/g, "\n").replace(/\n[ \t]/g, "").split("\n");
  const out: BookEntry[] = [];
  let name = "";
  let structured = "";
  let phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).split(";")[0].toUpperCase().replace(/^ITEM\d+\./, "");
    const value = line.slice(colon + 1);
    if (key === "BEGIN") {
      name = "";
      structured = "";
      phones = [];
    } else if (key === "FN") name = unescapeVcard(value);
    else if (key === "N") structured = unescapeVcard(value.split(";").slice(0, 2).reverse().join(" "));
    else if (key === "TEL") {
      const p = clean(value);
      if (p) phones.push(p);
    } else if (key === "END") {
      const who = name || structured;
      for (const p of phones) out.push({ name: who, phone: p });
    }
  }
  return out;
}

/** Split one CSV line, honouring quotes ("a, b" and doubled "" inside). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === ";" || c === "\t") {
      cells.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

/** Contacts from CSV: a header row names the columns (name / phone, in English or Chinese);
 * without one, the first cell that looks like a number is the phone and the first other cell the name. */
export function parseCsv(text: string): BookEntry[] {
  const rows = text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map(splitCsvLine);
  if (!rows.length) return [];
  const header = rows[0].map((h) => h.toLowerCase());
  const phoneCols = header.map((h, i) => (/phone|mobile|tel|电话|手机/.test(h) ? i : -1)).filter((i) => i >= 0);
  const nameCol = header.findIndex((h) => /^(name|full name|display name|姓名|名字)$/.test(h) || /name|姓名/.test(h));
  const out: BookEntry[] = [];
  if (phoneCols.length) {
    for (const row of rows.slice(1)) {
      const name = nameCol >= 0 ? row[nameCol] ?? "" : "";
      for (const c of phoneCols) {
        const phone = clean(row[c] ?? "");
        if (phone) out.push({ name, phone });
      }
    }
    return out;
  }
  for (const row of rows) {
    const phoneIdx = row.findIndex((c) => PHONE_CHARS.test(c));
    if (phoneIdx < 0) continue;
    const name = row.find((c, i) => i !== phoneIdx && c) ?? "";
    out.push({ name, phone: clean(row[phoneIdx]) });
  }
  return out;
}

/** Either format, by content; duplicates (same number) dropped. */
export function parseAddressBook(text: string): BookEntry[] {
  const entries = /BEGIN:VCARD/i.test(text) ? parseVcard(text) : parseCsv(text);
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = e.phone.replace(/[^\d+]/g, "");
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
