import { describe, expect, it } from "vitest";
import { fakeClient } from "./test/fakes";
import { Platform } from "./platformState";

/** A Platform over a fake client whose REST answers come from `routes` ("METHOD path" -> [status, body]). */
function setup(routes: Record<string, [number, unknown]>) {
  const { client, calls, toasts, frame } = fakeClient(routes);
  const p = new Platform(client);
  return { p, calls, toasts, frame };
}

describe("Platform", () => {
  it("presses a button, spins until the bot answers, then shows the answer as a toast", async () => {
    const { p, calls, toasts, frame } = setup({ "POST /api/v1/chats/5/messages/7/callback": [200, { id: "c1" }] });
    await p.press(5, 7, "add:tea");
    expect(calls[0]).toEqual({ method: "POST", path: "/api/v1/chats/5/messages/7/callback", body: { data: "add:tea" } });
    expect(p.isPressing(5, 7, "add:tea")).toBe(true);
    frame({ t: "callback_answer", id: "c1", chat: 5, seq: 7, alert: false, text: "Added tea" });
    expect(p.isPressing(5, 7, "add:tea")).toBe(false);
    expect(toasts).toEqual(["Added tea"]);
    expect(p.alert).toBeNull();
  });

  it("shows an alert as a dialog, and offers only http(s) links from an answer", () => {
    const { p, toasts, frame } = setup({});
    frame({ t: "callback_answer", id: "c2", chat: 5, seq: 7, alert: true, text: "Order placed" });
    expect(p.alert).toEqual({ text: "Order placed", url: null });
    p.closeAlert();
    frame({ t: "callback_answer", id: "c3", chat: 5, seq: 7, alert: false, url: "javascript:alert(1)", text: "hi" });
    expect(p.alert).toBeNull();
    expect(toasts).toEqual(["hi"]);
    frame({ t: "callback_answer", id: "c4", chat: 5, seq: 7, alert: false, url: "https://example.org/game" });
    expect(p.alert).toEqual({ text: "", url: "https://example.org/game" });
  });

  it("says why a press was refused and stops spinning", async () => {
    const { p, toasts } = setup({ "POST /api/v1/chats/5/messages/7/callback": [400, { code: "bad_request", message: "no such button" }] });
    await p.press(5, 7, "forged");
    expect(p.isPressing(5, 7, "forged")).toBe(false);
    expect(toasts).toHaveLength(1);
    expect(toasts[0]).not.toContain("bad_request");
  });

  it("keeps broadcast progress from frames, newest first, one entry per broadcast", () => {
    const { p, frame } = setup({});
    const b = (id: number, sent: number, state = "sending") => ({ id, account: 9, text: "x", state, total: 2, sent, skipped: 0, created_at: 1, finished_at: null });
    frame({ t: "broadcast", broadcast: b(1, 0) });
    frame({ t: "broadcast", broadcast: b(2, 1) });
    frame({ t: "broadcast", broadcast: b(1, 2, "done") });
    expect(p.broadcasts.get(9)?.map((x) => [x.id, x.sent, x.state])).toEqual([
      [2, 1, "sending"],
      [1, 2, "done"],
    ]);
  });

  it("remembers that a user is not an official account (404) and asks only once", async () => {
    const { p, calls } = setup({ "GET /api/v1/official/3": [200, { id: 3, name: "News", menu: [] }] });
    expect(p.account(4)).toBeUndefined();
    expect(p.account(3)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(p.account(4)).toBeNull();
    expect(p.account(3)?.name).toBe("News");
    expect(calls.filter((c) => c.path === "/api/v1/official/4")).toHaveLength(1);
  });
});
