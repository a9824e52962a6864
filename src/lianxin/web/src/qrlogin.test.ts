import { describe, expect, it } from "vitest";
import { ApiError, type QrWait } from "./api";
import { QrLogin, type QrState } from "./qrlogin";

const ME = { id: 1, name: "Me", handle: null, bio: null, phone: "+1", privacy: { find_by_phone: true, find_by_handle: true, find_nearby: true, add_me: "everyone" as const, last_seen: "everyone" as const, stranger_messages: false, read_receipts: true, auto_friend: true } };

function fakeApi(answers: (QrWait | ApiError)[]) {
  const calls: string[] = [];
  return {
    calls,
    qrLoginStart: async (name: string) => {
      calls.push(`start ${name}`);
      return { token: "tok", secret: "sec" };
    },
    qrLoginWait: async (token: string, secret: string) => {
      calls.push(`wait ${token} ${secret}`);
      const next = answers.shift()!;
      if (next instanceof ApiError) throw next;
      return next;
    },
    qrLoginImage: (token: string) => `/img/${token}`,
  };
}

describe("QrLogin", () => {
  it("shows the code, notes the scan and signs in once confirmed", async () => {
    const api = fakeApi([{ status: "pending" }, { status: "scanned" }, { status: "signed_in", token: "lx_1", device_id: 7, user: ME }]);
    const states: QrState[] = [];
    let signed: unknown = null;
    await new QrLogin(api, "Web", (s) => states.push(s), (token, user, device) => (signed = { token, user: user.id, device })).run();
    expect(states.map((s) => (s.step === "showing" ? `showing ${s.scanned}` : s.step))).toEqual(["starting", "showing false", "showing false", "showing true"]);
    expect(signed).toEqual({ token: "lx_1", user: 1, device: 7 });
    expect(api.calls[0]).toBe("start Web");
    expect(api.calls[1]).toBe("wait tok sec");
  });

  it("says expired when the code runs out or was used", async () => {
    const states: QrState[] = [];
    await new QrLogin(fakeApi([new ApiError(410, "expired", "")]), "Web", (s) => states.push(s), () => {}).run();
    expect(states[states.length - 1]).toEqual({ step: "expired" });
  });

  it("reports other failures as errors and stays quiet after stop", async () => {
    const states: QrState[] = [];
    await new QrLogin(fakeApi([new ApiError(0, "network", "")]), "Web", (s) => states.push(s), () => {}).run();
    expect(states[states.length - 1].step).toBe("error");
    const quiet: QrState[] = [];
    const login = new QrLogin(fakeApi([{ status: "pending" }, { status: "signed_in", token: "x", device_id: 1, user: ME }]), "Web", (s) => quiet.push(s), () => {
      throw new Error("must not sign in after stop");
    });
    const done = login.run();
    login.stop();
    await done;
    expect(quiet.map((s) => s.step)).toEqual(["starting"]);
  });
});
