import { describe, expect, it } from "vitest";
import { memberActions, sortMembers } from "./roles";

describe("memberActions", () => {
  it("lets the owner promote, demote, hand over and remove", () => {
    expect(memberActions("owner", "member", false)).toEqual(["make_admin", "make_owner", "remove"]);
    expect(memberActions("owner", "admin", false)).toEqual(["remove_admin", "make_owner", "remove"]);
  });
  it("lets admins remove plain members only", () => {
    expect(memberActions("admin", "member", false)).toEqual(["remove"]);
    expect(memberActions("admin", "admin", false)).toEqual([]);
    expect(memberActions("admin", "owner", false)).toEqual([]);
  });
  it("gives members and myself nothing", () => {
    expect(memberActions("member", "member", false)).toEqual([]);
    expect(memberActions("owner", "owner", true)).toEqual([]);
  });
});

describe("sortMembers", () => {
  it("puts the owner, then admins, then members, by name", () => {
    const list = [
      { role: "member", name: "Zed" },
      { role: "admin", name: "Bob" },
      { role: "member", name: "Amy" },
      { role: "owner", name: "Carl" },
    ];
    expect(sortMembers(list).map((m) => m.name)).toEqual(["Carl", "Bob", "Amy", "Zed"]);
  });
});
