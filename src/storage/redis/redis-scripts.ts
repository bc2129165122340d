import { readFileSync } from "node:fs";
import { defineScript, type CommandParser } from "redis";

/** Helpers shared by the ticket store scripts, prepended to each (Redis runs every script alone). */
const TICKET_LIB = "ticket-lib.lua";

function source(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), "utf8");
}

/**
 * A Lua script called as `client.<name>(keys, args)`. node-redis sends EVALSHA and falls back to
 * EVAL once when the server answers NOSCRIPT (after a restart or SCRIPT FLUSH), and routes by the
 * first key on a cluster. Replies are returned as decoded, for the caller to check.
 */
function script(text: string, keyCount: number) {
  return defineScript({
    SCRIPT: text,
    NUMBER_OF_KEYS: keyCount,
    parseCommand(parser: CommandParser, keys: readonly string[], args: readonly (string | number)[]) {
      for (const key of keys) parser.pushKey(key);
      parser.push(...args.map(String));
    },
    transformReply: (reply: unknown): unknown => reply,
  });
}

/**
 * A ticket store script: KEYS[1] is the queue's key prefix; see the header of each file. Its body
 * runs as a function after the helpers, and whatever it changed in the queued set is logged when
 * it returns, or when it fails (Redis keeps a script's writes up to an error; the error is raised
 * again unchanged), so no script can leave a change unlogged (`log_queued_changes`, ticket-lib.lua).
 */
function storeScript(file: string) {
  const text = [
    source(TICKET_LIB),
    "local function store_script()",
    source(file),
    "end",
    // xpcall, not pcall: Redis's own pcall turns an error reply (a table) into text, and the error
    // raised again would lose its code (READONLY, NOREPLICAS...), which tells callers to retry.
    "local ok, result = xpcall(store_script, function(err) return err end)",
    "log_queued_changes()",
    "if not ok then error(result, 0) end",
    "return result",
  ].join("\n");
  return script(text, 1);
}

/** Every script, loaded once from `scripts/` when this module is imported. */
export const SCRIPTS = {
  createTicket: storeScript("create.lua"),
  cancelTicket: storeScript("cancel.lua"),
  claimMatches: storeScript("claim.lua"),
  assignTickets: storeScript("assign.lua"),
  requeueTickets: storeScript("requeue.lua"),
  beginPass: storeScript("begin-pass.lua"),
  readWaiting: storeScript("read-waiting.lua"),
  holdLease: script(source("lease-hold.lua"), 2),
  releaseLease: script(source("lease-release.lua"), 1),
  recordWaits: script(source("record-waits.lua"), 1),
  queuePosition: script(source("position.lua"), 1),
};
