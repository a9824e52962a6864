// What I may do to another group member, by my role and theirs (mirrors actions/chats.py).
export type Role = "owner" | "admin" | "member";
export type MemberAction = "make_admin" | "remove_admin" | "make_owner" | "remove";

export function memberActions(myRole: string, theirRole: string, self: boolean): MemberAction[] {
  if (self) return [];
  if (myRole === "owner") {
    if (theirRole === "admin") return ["remove_admin", "make_owner", "remove"];
    if (theirRole === "member") return ["make_admin", "make_owner", "remove"];
    return [];
  }
  if (myRole === "admin" && theirRole === "member") return ["remove"];
  return [];
}

/** Owner first, then admins, then members; by name within each. */
export function sortMembers<T extends { role: string; name: string }>(list: T[]): T[] {
  const rank = (r: string) => (r === "owner" ? 0 : r === "admin" ? 1 : 2);
  return [...list].sort((a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name));
}
