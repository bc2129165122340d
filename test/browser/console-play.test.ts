import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchChromium, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { CONSOLE_DIR, startWebServer, type WebServer } from "./support/web-server.ts";

let server: WebServer;
let browser: TestBrowser;
beforeAll(async () => {
  server = await startWebServer({ devTokens: true, consoleDir: CONSOLE_DIR });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPlayView(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${server.httpUrl}/console/#play`);
  await page.getByTestId("credentials").filter({ hasText: "Development mode" }).waitFor();
  await page.getByTestId("queue").locator("option").first().waitFor({ state: "attached" });
  return page;
}

async function enqueue(page: Page, queue: string, player: string, partySize: number): Promise<void> {
  await page.getByTestId("queue").selectOption(queue);
  await page.getByTestId("player").fill(player);
  await page.getByTestId("party-size").fill(String(partySize));
  await page.getByTestId("enqueue").click();
  await page.getByTestId("ticket-state").filter({ hasText: "QUEUED" }).waitFor();
}

describe("the console's play view, in Chromium", () => {
  it("enqueues a party, fills the match with development players, and shows the assignment live", async () => {
    const page = await openPlayView();
    await enqueue(page, "squads-5v5", "alice", 2);
    expect(await page.getByTestId("ticket").textContent()).toContain("alice, alice-2");

    await page.getByTestId("fill").click();
    await page.getByTestId("status").filter({ hasText: "Enqueued 8 development players" }).waitFor();
    // The watch stream is open and the ticket waits; the next matching pass forms the match.
    await server.app.runPass();

    await page.getByTestId("ticket-state").filter({ hasText: "MATCHED" }).waitFor();
    const address = await page.getByTestId("server-address").textContent();
    expect(address).toMatch(/^10\.0\.0\.\d+:7777$/);
    const teams = await page.getByTestId("teams").locator(":scope > li").allTextContents();
    expect(teams).toHaveLength(2);
    const aliceTeam = teams.find((team) => team.includes("alice-2"))!;
    expect(aliceTeam).toContain("alice");
    expect((await page.locator(".team li.mine").allTextContents()).sort()).toEqual(["alice", "alice-2"]);
    await expect(page.getByTestId("cancel").isDisabled()).resolves.toBe(true);
    await saveScreenshot(page, "console-play");
    await page.close();
  });

  it("cancels a queued ticket", async () => {
    const page = await openPlayView();
    await enqueue(page, "duel", "bob", 1);
    await page.getByTestId("cancel").click();
    await page.getByTestId("ticket-state").filter({ hasText: "CANCELLED" }).waitFor();
    await page.getByTestId("status").filter({ hasText: "Ticket cancelled." }).waitFor();
    const ticketId = await page.locator("[data-testid=ticket] code").first().textContent();
    const stored = await server.app.matchmaker.getTicket({ kind: "service", subject: "test" }, ticketId!);
    expect(stored.state).toBe("cancelled");
    await saveScreenshot(page, "console-play-cancelled");
    await page.close();
  });

  it("shows the server's error when a player already holds a ticket in the queue", async () => {
    const page = await openPlayView();
    await enqueue(page, "duel", "carol", 1);
    await page.getByTestId("enqueue").click();
    await page.getByTestId("status").filter({ hasText: "Enqueue failed: AlreadyExists" }).waitFor();
    await page.close();
  });
});
