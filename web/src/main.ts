import "./style.css";
import { detectCredentials, setPastedToken, type Credentials } from "./credentials.ts";
import { h, type View } from "./dom.ts";
import { operateView } from "./operate-view.ts";
import { playView } from "./play-view.ts";

type Tab = "play" | "operate";

/**
 * The matchmaker's web console: a "play" tab acting as a game client and an "operate" tab showing
 * the queues. The tab is kept in the URL's fragment (`#operate`) so it can be linked.
 */
async function main(root: HTMLElement): Promise<void> {
  const credentials = await detectCredentials();
  const views: Record<Tab, View> = { play: playView(credentials), operate: operateView(credentials) };
  const links = {
    play: h("a", { href: "#play", "data-testid": "tab-play" }, "Play"),
    operate: h("a", { href: "#operate", "data-testid": "tab-operate" }, "Operate"),
  };
  const main = h("main", {});
  root.replaceChildren(
    h("header", {}, h("h1", {}, "Matchmaker console"), h("nav", {}, links.play, links.operate), credentialsBar(credentials)),
    main,
  );
  let shown: Tab | undefined;
  const show = (): void => {
    const tab: Tab = location.hash === "#operate" ? "operate" : "play";
    if (tab === shown) return;
    if (shown !== undefined) views[shown].stop();
    shown = tab;
    for (const [name, link] of Object.entries(links)) link.classList.toggle("active", name === tab);
    main.replaceChildren(views[tab].element);
    views[tab].start();
  };
  window.addEventListener("hashchange", show);
  show();
}

/** Says where tokens come from; against a production server, takes a pasted one. */
function credentialsBar(credentials: Credentials): HTMLElement {
  if (credentials.development) {
    return h("p", { class: "credentials dev", "data-testid": "credentials" }, "Development mode: the server mints a token for each player.");
  }
  const input = h("input", { type: "password", placeholder: "Bearer token", autocomplete: "off", "data-testid": "token-input" });
  const form = h(
    "form",
    { class: "credentials", "data-testid": "credentials" },
    h("label", {}, h("span", {}, "Token (a service token for the operate view)"), input),
    h("button", { type: "submit" }, "Use token"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setPastedToken(input.value);
    input.value = "";
    input.placeholder = "token saved for this tab";
  });
  return form;
}

const root = document.querySelector<HTMLElement>("#app");
if (root !== null) {
  main(root).catch((error: unknown) => {
    root.textContent = `The console failed to start: ${error instanceof Error ? error.message : String(error)}`;
  });
}
