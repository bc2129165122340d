import { Code, ConnectError } from "@connectrpc/connect";
import { TicketState, type QueueInfo, type Ticket } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { describeError, matchmaking, withToken } from "./api.ts";
import type { Credentials } from "./credentials.ts";
import { h, type View } from "./dom.ts";
import { durationMs, formatWait, isTerminal, stateName, timestampMs } from "./format.ts";

/** Transient failures a watch reconnects after; anything else (NOT_FOUND...) is final. */
const RECONNECT_CODES = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.DeadlineExceeded]);
const MAX_RECONNECTS = 5;

/** The ticket the view follows, and how to stop following it. */
interface Followed {
  ticket: Ticket;
  readonly leader: string;
  readonly queue: QueueInfo;
  readonly region: string;
  readonly watch: AbortController;
}

/**
 * The "play" tab: what a game client does, by hand. Pick a queue, enqueue as a development player
 * or party, watch the ticket live over WatchTicket (position, estimated wait, then the assignment
 * and team layout), cancel, and fill the rest of the match with development players to see one form.
 */
export function playView(credentials: Credentials): View {
  const queueSelect = h("select", { id: "queue", "data-testid": "queue" });
  const queueInfo = h("p", { class: "hint", "data-testid": "queue-info" });
  const regionSelect = h("select", { id: "region", "data-testid": "region" });
  const latencyInput = h("input", { id: "latency", type: "number", min: "0", max: "60000", value: "30", required: "" });
  const skillInput = h("input", { id: "skill", type: "number", step: "any", value: "1500", required: "" });
  const partyInput = h("input", { id: "party-size", type: "number", min: "1", value: "1", required: "", "data-testid": "party-size" });
  const playerInput = h("input", { id: "player", type: "text", maxlength: "100", required: "", "data-testid": "player" });
  playerInput.value = `dev-${crypto.randomUUID().slice(0, 6)}`;
  const enqueueButton = h("button", { type: "submit", "data-testid": "enqueue" }, "Enqueue");
  const fillButton = h("button", { type: "button", disabled: "", "data-testid": "fill" }, "Fill the match with development players");
  const cancelButton = h("button", { type: "button", disabled: "", "data-testid": "cancel" }, "Cancel ticket");
  const status = h("p", { class: "status", role: "status", "data-testid": "status" });
  const ticketPanel = h("section", { class: "ticket", "data-testid": "ticket" }, h("p", { class: "hint" }, "No ticket yet."));
  const form = h(
    "form",
    { class: "enqueue" },
    field("Queue", queueSelect),
    queueInfo,
    field("Region", regionSelect),
    field("Round-trip time (ms)", latencyInput),
    field("Skill", skillInput),
    field("Party size", partyInput),
    field("Player (user id of the party leader)", playerInput),
    h("div", { class: "actions" }, enqueueButton, fillButton, cancelButton),
  );
  const element = h(
    "section",
    { class: "view play", "data-testid": "play-view" },
    h("div", { class: "columns" }, h("div", {}, h("h2", {}, "Join a queue"), form), h("div", {}, h("h2", {}, "Ticket"), ticketPanel)),
    status,
  );

  let queues: QueueInfo[] = [];
  let followed: Followed | undefined;
  let ticker: number | undefined;

  const setStatus = (text: string, isError = false): void => {
    status.textContent = text;
    status.classList.toggle("error", isError);
  };
  const selectedQueue = (): QueueInfo | undefined => queues.find((queue) => queue.name === queueSelect.value);
  const describeQueue = (): void => {
    const queue = selectedQueue();
    if (queue === undefined) return;
    const layout = queue.teamSize === 1 ? `${queue.teamCount} players, solo` : `${queue.teamCount} teams of ${queue.teamSize}`;
    const parties = queue.minPartySize === queue.maxPartySize ? `${queue.minPartySize}` : `${queue.minPartySize}–${queue.maxPartySize}`;
    queueInfo.textContent = `${queue.description || queue.name} (${layout}, parties of ${parties}).`;
    regionSelect.replaceChildren(...queue.regions.map((region) => h("option", { value: region.name }, `${region.name} (≤ ${region.maxLatencyMs} ms)`)));
    partyInput.min = String(queue.minPartySize);
    partyInput.max = String(queue.maxPartySize);
    partyInput.value = String(queue.minPartySize);
  };
  queueSelect.addEventListener("change", describeQueue);

  const render = (): void => {
    if (followed === undefined) return;
    const { ticket } = followed;
    const queued = ticket.state === TicketState.QUEUED;
    cancelButton.disabled = !queued;
    fillButton.disabled = !queued;
    ticketPanel.replaceChildren(ticketDetails(ticket), ...(ticket.assignment === undefined ? [] : [assignmentDetails(ticket)]));
  };

  const follow = async (target: Followed): Promise<void> => {
    let failures = 0;
    while (!target.watch.signal.aborted) {
      try {
        const token = await credentials.token("player", target.leader);
        for await (const message of matchmaking.watchTicket({ ticketId: target.ticket.ticketId }, withToken(token, target.watch.signal))) {
          failures = 0;
          // Keep-alive messages carry no ticket: they only keep proxies from closing the stream.
          if (message.ticket === undefined) continue;
          target.ticket = message.ticket;
          render();
        }
        return;
      } catch (error) {
        if (target.watch.signal.aborted) return;
        failures += 1;
        const code = ConnectError.from(error).code;
        if (!RECONNECT_CODES.has(code) || failures > MAX_RECONNECTS || isTerminal(target.ticket.state)) {
          setStatus(`Watch ended: ${describeError(error)}`, true);
          return;
        }
        setStatus(`Watch interrupted (${describeError(error)}); reconnecting…`);
        await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
      }
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const queue = selectedQueue();
    if (queue === undefined) return;
    const leader = playerInput.value.trim();
    const size = Number(partyInput.value);
    const userIds = Array.from({ length: size }, (_, index) => (index === 0 ? leader : `${leader}-${index + 1}`));
    const region = regionSelect.value;
    enqueueButton.disabled = true;
    void (async () => {
      try {
        // A player's token enqueues that player alone; a party goes in as your party service would
        // put it in, with a service token. Each member then watches with their own.
        const token = size > 1 ? await credentials.token("service", "console") : await credentials.token("player", leader);
        const { ticket } = await matchmaking.enqueue(
          {
            queue: queue.name,
            players: userIds.map((userId) => ({ userId, skill: Number(skillInput.value) })),
            partyId: size > 1 ? `${leader}-party` : "",
            latencyMs: { [region]: Number(latencyInput.value) },
            requestId: crypto.randomUUID(),
          },
          withToken(token),
        );
        if (ticket === undefined) throw new Error("Enqueue answered without a ticket");
        followed?.watch.abort();
        followed = { ticket, leader, queue, region, watch: new AbortController() };
        render();
        setStatus(`Enqueued ${userIds.join(", ")} in ${queue.name}.`);
        void follow(followed);
      } catch (error) {
        setStatus(`Enqueue failed: ${describeError(error)}`, true);
      } finally {
        enqueueButton.disabled = false;
      }
    })();
  });

  cancelButton.addEventListener("click", () => {
    const target = followed;
    if (target === undefined) return;
    void (async () => {
      try {
        const token = await credentials.token("player", target.leader);
        const { ticket } = await matchmaking.cancelTicket({ ticketId: target.ticket.ticketId }, withToken(token));
        if (ticket !== undefined && target === followed) {
          target.ticket = ticket;
          render();
        }
        setStatus("Ticket cancelled.");
      } catch (error) {
        setStatus(`Cancel failed: ${describeError(error)}`, true);
      }
    })();
  });

  fillButton.addEventListener("click", () => {
    const target = followed;
    if (target === undefined) return;
    void (async () => {
      fillButton.disabled = true;
      try {
        const added = await fillMatch(credentials, target, Number(skillInput.value), Number(latencyInput.value));
        setStatus(`Enqueued ${added} development players in ${target.queue.name}; the match forms on the next matching pass.`);
      } catch (error) {
        setStatus(`Filling the match failed: ${describeError(error)}`, true);
        render();
      }
    })();
  });

  return {
    element,
    start() {
      ticker = window.setInterval(render, 1000);
      matchmaking.listQueues({}).then(
        (response) => {
          const chosen = queueSelect.value;
          queues = response.queues;
          queueSelect.replaceChildren(...queues.map((queue) => h("option", { value: queue.name }, queue.name)));
          if (queues.some((queue) => queue.name === chosen)) queueSelect.value = chosen;
          describeQueue();
        },
        (error: unknown) => setStatus(`ListQueues failed: ${describeError(error)}`, true),
      );
    },
    stop() {
      window.clearInterval(ticker);
    },
  };
}

/**
 * Enqueues enough development players, in parties of the queue's smallest size, to complete the
 * followed ticket's match in its region. Returns how many players were added.
 */
async function fillMatch(credentials: Credentials, target: Followed, skill: number, latencyMs: number): Promise<number> {
  const { queue } = target;
  const partySize = Math.max(1, queue.minPartySize);
  const parties = Math.floor((queue.teamCount * queue.teamSize - target.ticket.userIds.length) / partySize);
  await Promise.all(
    Array.from({ length: parties }, async (_, party) => {
      const userIds = Array.from({ length: partySize }, (_, member) => `${target.leader}-bot${party + 1}${partySize > 1 ? `-${member + 1}` : ""}`);
      const token = partySize > 1 ? await credentials.token("service", "console") : await credentials.token("player", userIds[0]!);
      await matchmaking.enqueue(
        { queue: queue.name, players: userIds.map((userId) => ({ userId, skill })), latencyMs: { [target.region]: latencyMs } },
        withToken(token),
      );
    }),
  );
  return parties * partySize;
}

function field(label: string, control: HTMLElement): HTMLLabelElement {
  return h("label", {}, h("span", {}, label), control);
}

function ticketDetails(ticket: Ticket): HTMLElement {
  const queued = ticket.state === TicketState.QUEUED;
  const createdAt = timestampMs(ticket.createdAt);
  return h(
    "dl",
    { class: "facts" },
    ...fact("State", h("span", { class: `state state-${stateName(ticket.state).toLowerCase()}`, "data-testid": "ticket-state" }, stateName(ticket.state))),
    ...fact("Ticket", h("code", {}, ticket.ticketId)),
    ...fact("Players", ticket.userIds.join(", ")),
    ...(queued
      ? [
          ...fact("Position", h("span", { "data-testid": "ticket-position" }, ticket.queuePosition === 0 ? "–" : `#${ticket.queuePosition}`)),
          ...fact("Estimated wait", h("span", { "data-testid": "ticket-wait" }, formatWait(durationMs(ticket.estimatedWait)))),
          ...fact("Waiting for", createdAt === undefined ? "–" : formatWait(Math.max(0, Date.now() - createdAt))),
        ]
      : []),
  );
}

function assignmentDetails(ticket: Ticket): HTMLElement {
  const assignment = ticket.assignment!;
  const mine = new Set(ticket.userIds);
  return h(
    "div",
    { class: "assignment", "data-testid": "assignment" },
    h("h3", {}, "Assignment"),
    h(
      "dl",
      { class: "facts" },
      ...fact("Server", h("code", { "data-testid": "server-address" }, assignment.serverAddress)),
      ...fact("Region", assignment.region),
      ...fact("Match", h("code", {}, assignment.matchId)),
      ...fact("Ticket expires", formatWait(Math.max(0, (timestampMs(assignment.expiresAt) ?? 0) - Date.now())) + " from now"),
    ),
    h(
      "ol",
      { class: "teams", "data-testid": "teams" },
      ...assignment.teams.map((team, index) =>
        h(
          "li",
          { class: "team", "data-testid": `team-${index + 1}` },
          h("span", { class: "team-name" }, `Team ${index + 1}`),
          h("ul", {}, ...team.userIds.map((userId) => h("li", mine.has(userId) ? { class: "mine" } : {}, userId))),
        ),
      ),
    ),
  );
}

function fact(term: string, value: Node | string): [HTMLElement, HTMLElement] {
  return [h("dt", {}, term), h("dd", {}, value)];
}
