/** Grants a backend service the right to act for any player (a service caller). */
export const SERVICE_SCOPE = "matchmaker:service";

/** Identifies a dedicated game server (its `sub` is the server id) for server-facing RPCs. */
export const GAME_SERVER_SCOPE = "matchmaker:gameserver";
