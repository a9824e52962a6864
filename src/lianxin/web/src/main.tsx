import { render } from "preact";
import { Client } from "./client";
import { getLang, setLang } from "./i18n";
import { App } from "./ui/App";
import "./styles.css";

const client = new Client();
if (client.signedIn) client.start();
setLang(getLang());

render(<App client={client} />, document.getElementById("app")!);

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").catch(() => {
      /* the app works without it */
    });
  });
}

// For debugging from the console and for end-to-end tests.
(window as unknown as { lianxin: Client }).lianxin = client;
