import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const SERVICE = { kind: "service", subject: "test" } as const;

async function enqueueSolo(userId: string, region: string): Promise<void> {
  await server.app.matchmaker.enqueue(SERVICE, { queue: "duel", players: [{ userId, skill: 1500 }], latencyMs: { [region]: 20 }, partyId: "", requestId: "" });
}

describe("the console's operate view, in Chromium", () => {
  it("shows every queue and region and follows the waiting tickets as they change", async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.httpUrl}/console/#operate`);
    const euWest = page.getByTestId("stats-duel-eu-west");
    const waiting = euWest.locator("[data-field=tickets-waiting]");
    await waiting.filter({ hasText: /^0$/ }).waitFor();
    for (const row of ["stats-squads-5v5-us-east", "stats-ffa-8-eu-west", "stats-duel-ap-southeast"]) {
      await page.getByTestId(row).waitFor();
    }

    // Two duellists in eu-west are matched at once; one in us-east waits alone.
    await enqueueSolo("op-1", "eu-west");
    await enqueueSolo("op-2", "eu-west");
    await enqueueSolo("op-3", "us-east");
    await server.app.runPass();
    await waiting.filter({ hasText: /^0$/ }).waitFor();
    await page.getByTestId("stats-duel-us-east").locator("[data-field=tickets-waiting]").filter({ hasText: /^1$/ }).waitFor();

    // An opponent for the us-east player arrives; then one more eu-west player waits.
    await enqueueSolo("op-4", "us-east");
    await server.app.runPass();
    await page.getByTestId("stats-duel-us-east").locator("[data-field=tickets-waiting]").filter({ hasText: /^0$/ }).waitFor();
    // Matches placed after a pass are published with the next one.
    await euWest.locator("[data-field=matches-per-minute]").filter({ hasNotText: /^0\.0$/ }).waitFor();
    await euWest.locator("[data-field=wait-p50]").filter({ hasNotText: "–" }).waitFor();
    await enqueueSolo("op-5", "eu-west");
    await server.app.runPass();
    await waiting.filter({ hasText: /^1$/ }).waitFor();
    await euWest.locator("[data-field=players-waiting]").filter({ hasText: /^1$/ }).waitFor();
    expect(await page.getByTestId("queue-duel").locator("svg.chart polyline").count()).toBe(2);
    expect(await page.getByTestId("operate-status").textContent()).toBe("");
    await saveScreenshot(page, "console-operate");
    await page.close();
  });
});
