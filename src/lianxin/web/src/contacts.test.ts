import { describe, expect, it } from "vitest";
import { parseAddressBook, parseCsv, parseVcard, splitCsvLine } from "./contacts";

describe("parseVcard", () => {
  it("reads names and every number, with folded lines and parameters", () => {
    const text = [
      "BEGIN:VCARD",
      "VERSION:3.0",
      "N:Stone;Bob;;;",
      "FN:Bob Stone",
      "TEL;TYPE=CELL:+86 138 0013 8000",
      "item1.TEL;type=WORK:(202) 555-0143",
      "END:VCARD",
      "BEGIN:VCARD",
      "VERSION:4.0",
      "N:张;伟;;;",
      "TEL;VALUE=uri:tel:+8613900139000",
      "END:VCARD",
      "BEGIN:VCARD",
      "FN:Long",
      " name\\, Jr.",
      "TEL:123456",
      "END:VCARD",
    ].join("\r\n");
    expect(parseVcard(text)).toEqual([
      { name: "Bob Stone", phone: "+86 138 0013 8000" },
      { name: "Bob Stone", phone: "(202) 555-0143" },
      { name: "伟 张", phone: "+8613900139000" },
      { name: "Longname, Jr.", phone: "123456" },
    ]);
  });
});

describe("parseCsv", () => {
  it("uses header columns, in English or Chinese", () => {
    expect(parseCsv('Name,Mobile Phone,Home Phone\n"Stone, Bob",+8613800138000,\nCarol,,555 0100\n')).toEqual([
      { name: "Stone, Bob", phone: "+8613800138000" },
      { name: "Carol", phone: "555 0100" },
    ]);
    expect(parseCsv("\uFEFF姓名,手机\n张伟,13800138000")).toEqual([{ name: "张伟", phone: "13800138000" }]);
  });
  it("guesses the columns without a header", () => {
    expect(parseCsv("Bob;+86 138 0013 8000\n+1 202 555 0143,Dan\nno number here")).toEqual([
      { name: "Bob", phone: "+86 138 0013 8000" },
      { name: "Dan", phone: "+1 202 555 0143" },
    ]);
  });
  it("splits quoted cells", () => {
    expect(splitCsvLine('a,"b, ""c""",d')).toEqual(["a", 'b, "c"', "d"]);
  });
});

describe("parseAddressBook", () => {
  it("detects the format and drops repeated numbers", () => {
    expect(parseAddressBook("name,phone\nA,+86 138 0013 8000\nB,+8613800138000")).toEqual([{ name: "A", phone: "+86 138 0013 8000" }]);
    expect(parseAddressBook("BEGIN:VCARD\nFN:A\nTEL:+1 202 555 0143\nEND:VCARD")).toHaveLength(1);
    expect(parseAddressBook("")).toEqual([]);
  });
});
