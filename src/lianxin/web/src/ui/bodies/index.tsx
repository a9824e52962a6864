// What goes inside a message bubble, chosen by the message's kind. Each feature area registers its kinds
// in its own module here (media.tsx, platform.tsx, …) and this file merges them.
import type { Client } from "../../client";
import { t } from "../../i18n";
import type { ChatEvent, ChatSummary } from "../../types";
import { MessageText } from "../MessageText";
import { MEDIA_BODIES } from "./media";
import { PLATFORM_BODIES } from "./platform";

export interface BodyProps {
  client: Client;
  chat: ChatSummary;
  ev: ChatEvent;
}

export type BodyView = (props: BodyProps) => preact.JSX.Element | null;

const BODIES: Record<string, BodyView> = {
  text: ({ client, ev }) => <MessageText client={client} ev={ev} />,
  ...MEDIA_BODIES,
  ...PLATFORM_BODIES,
};

/** The bubble content for `ev`; a kind this client does not know yet shows a short notice, never raw data. */
export function MessageBody(props: BodyProps) {
  const View = BODIES[props.ev.kind];
  if (View) return <View {...props} />;
  return (
    <span class="text unsupported" data-testid="unsupported">
      {props.ev.text || t("msg.unsupported_kind")}
    </span>
  );
}
