// Web sign-in by QR code: show a code, long-poll until a signed-in phone confirms it.
import { ApiError, type QrWait } from "./api";
import type { Me } from "./types";

export type QrState =
  | { step: "starting" }
  | { step: "showing"; image: string; scanned: boolean }
  | { step: "expired" }
  | { step: "error"; error: unknown };

export interface QrLoginApi {
  qrLoginStart(deviceName: string): Promise<{ token: string; secret: string }>;
  qrLoginWait(token: string, secret: string, timeoutS: number): Promise<QrWait>;
  qrLoginImage(token: string): string;
}

/** Short waits, so "scanned" shows soon after the phone scans. */
export const WAIT_S = 3;

export class QrLogin {
  private stopped = false;

  constructor(
    private api: QrLoginApi,
    private deviceName: string,
    private onState: (s: QrState) => void,
    private onSignedIn: (token: string, user: Me, deviceId: number) => void,
  ) {}

  async run(): Promise<void> {
    this.onState({ step: "starting" });
    try {
      const { token, secret } = await this.api.qrLoginStart(this.deviceName);
      const image = this.api.qrLoginImage(token);
      this.emit({ step: "showing", image, scanned: false });
      while (!this.stopped) {
        const res = await this.api.qrLoginWait(token, secret, WAIT_S);
        if (this.stopped) return;
        if (res.status === "signed_in") {
          this.onSignedIn(res.token, res.user, res.device_id);
          return;
        }
        this.emit({ step: "showing", image, scanned: res.status === "scanned" });
      }
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof ApiError && (e.code === "expired" || e.code === "conflict" || e.code === "not_found")) this.emit({ step: "expired" });
      else this.emit({ step: "error", error: e });
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private emit(s: QrState): void {
    if (!this.stopped) this.onState(s);
  }
}
