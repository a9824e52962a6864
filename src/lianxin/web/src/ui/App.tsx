import type { Client } from "../client";
import { t } from "../i18n";
import { ChatInfo } from "./ChatInfo";
import { ChatList } from "./ChatList";
import { Icon } from "./common";
import { Conversation } from "./Conversation";
import { AddFriend, FriendsTab, UserCard } from "./Friends";
import { ImportContacts } from "./ImportContacts";
import { Nearby } from "./Nearby";
import { PrivacySettings } from "./PrivacySettings";
import { QrTarget, ScanQr } from "./ScanQr";
import { Suggestions } from "./Suggestions";
import { BotProfile } from "./BotPages";
import { OfficialDirectory, OfficialProfile } from "./Official";
import { OfficialInbox, OfficialInboxChat } from "./OfficialInbox";
import { NewGroup } from "./NewGroup";
import { MeMenu, MePage } from "./Me";
import { SignIn } from "./SignIn";
import { useClient, useRoute, useWide, type Route } from "./hooks";

function ConnectionBar({ client }: { client: Client }) {
  const bar = client.bar;
  if (bar === null) return null;
  const text = bar === "offline" ? t("conn.offline") : bar === "syncing" ? t("conn.syncing") : t("conn.connecting");
  return (
    <div class={`conn-bar conn-${bar}`} role="status" aria-live="polite" data-testid="conn-status" data-state={bar}>
      <span class="spinner" aria-hidden="true" />
      {text}
    </div>
  );
}

function Toasts({ client }: { client: Client }) {
  return (
    <div class="toasts" role="alert" aria-live="assertive">
      {client.toasts.map((x) => (
        <div class="toast" key={x.id}>
          {x.text}
        </div>
      ))}
    </div>
  );
}

function tabOf(route: Route): "chats" | "friends" | "me" {
  if (route.name === "friends" || route.name === "add" || route.name === "import" || route.name === "user" || route.name === "group") return "friends";
  if (route.name === "official" || route.name === "account" || route.name === "inbox" || route.name === "bot") return "friends";
  if (route.name === "suggestions" || route.name === "nearby" || route.name === "scan" || route.name === "qr") return "friends";
  if (route.name === "privacy") return "me";
  if (route.name === "me") return "me";
  return "chats";
}

function Nav({ client, tab }: { client: Client; tab: string }) {
  const unread = client.store.totalUnread();
  const requests = client.store.pendingRequests().length;
  const item = (name: string, href: string, label: string, badge: number) => (
    <a href={href} class={`nav-item${tab === name ? " active" : ""}`} aria-current={tab === name ? "page" : undefined} data-testid={`nav-${name}`}>
      <span class="nav-icon">
        <Icon name={name} />
        {badge > 0 ? <span class="badge nav-badge">{badge > 99 ? "99+" : badge}</span> : null}
      </span>
      <span class="nav-label">{label}</span>
    </a>
  );
  return (
    <nav class="nav" aria-label={t("nav.main")}>
      {item("chats", "#/chats", t("nav.chats"), unread)}
      {item("friends", "#/friends", t("nav.friends"), requests)}
      {item("me", "#/me", t("nav.me"), 0)}
    </nav>
  );
}

function Placeholder() {
  return (
    <div class="placeholder">
      <img src="/icon.svg" alt="" width="96" height="96" />
      <p>{t("chats.select")}</p>
    </div>
  );
}

export function App({ client }: { client: Client }) {
  useClient(client);
  const route = useRoute();
  const wide = useWide();
  if (!client.signedIn) return <SignIn client={client} />;
  const tab = tabOf(route);
  const detail = route.name === "chat" || route.name === "info" || route.name === "add" || route.name === "import" || route.name === "user" || route.name === "group" || route.name === "official" || route.name === "account" || route.name === "inbox" || route.name === "bot" || route.name === "suggestions" || route.name === "nearby" || route.name === "scan" || route.name === "qr" || route.name === "privacy";
  let main;
  switch (route.name) {
    case "chat":
      main = <Conversation key={route.id} client={client} chatId={route.id!} />;
      break;
    case "info":
      main = <ChatInfo key={route.id} client={client} chatId={route.id!} />;
      break;
    case "add":
      main = <AddFriend client={client} />;
      break;
    case "user":
      main = <UserCard key={route.id} client={client} userId={route.id!} />;
      break;
    case "group":
      main = <NewGroup client={client} />;
      break;
    case "import":
      main = <ImportContacts client={client} />;
      break;
    case "official":
      main = <OfficialDirectory client={client} />;
      break;
    case "account":
      main = <OfficialProfile key={route.id} client={client} accountId={route.id!} />;
      break;
    case "inbox":
      main = route.chat ? <OfficialInboxChat key={route.chat} client={client} accountId={route.id!} chatId={route.chat} /> : <OfficialInbox key={route.id} client={client} accountId={route.id!} />;
      break;
    case "bot":
      main = <BotProfile key={route.ref} client={client} botRef={route.ref!} param={route.param} />;
      break;
    case "suggestions":
      main = <Suggestions client={client} />;
      break;
    case "nearby":
      main = <Nearby client={client} />;
      break;
    case "scan":
      main = <ScanQr />;
      break;
    case "qr":
      main = <QrTarget key={route.token} client={client} token={route.token!} />;
      break;
    case "privacy":
      main = <PrivacySettings client={client} />;
      break;
    case "me":
      // Wide: Me opens beside its menu; a phone shows it in the tab itself.
      main = wide ? <MePage client={client} inPane /> : <Placeholder />;
      break;
    default:
      main = <Placeholder />;
  }
  const activeChat = route.name === "chat" || route.name === "info" ? route.id : undefined;
  return (
    <div class="shell">
      <ConnectionBar client={client} />
      <div class={`app ${detail ? "show-detail" : "show-list"}`}>
      <aside class="sidebar">
        <div class="sidebar-body">
          {tab === "chats" ? <ChatList key={route.name === "archived" ? "archived" : "chats"} client={client} activeChat={activeChat} archived={route.name === "archived"} /> : null}
          {tab === "friends" ? <FriendsTab client={client} route={route} /> : null}
          {tab === "me" ? wide ? <MeMenu client={client} active={route.name} /> : <MePage client={client} /> : null}
        </div>
        <Nav client={client} tab={tab} />
      </aside>
      <main class="pane">{main}</main>
      </div>
      <Toasts client={client} />
    </div>
  );
}
