import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import {
  AllocateResponseSchema,
  DeregisterServerResponseSchema,
  type GameServerRegistryService,
  HeartbeatResponseSchema,
  RegisterServerResponseSchema,
  ReleaseResponseSchema,
  ReservationSchema,
  ServerAddressSchema,
} from "../gen/gameserver/v1/registry_pb.js";
import { type GameServerPool, NoServerAvailableError, ReservationElsewhereError } from "./game-server-pool.ts";
import {
  InvalidFieldError,
  registrationFromRequest,
  releaseFromRequest,
  serverIdFromRequest,
  slotRequestFromRequest,
} from "./registry-requests.ts";

/** Game servers heartbeat three times per TTL, so one or two lost heartbeats do not drop them. */
const heartbeatsPerTtl = 3;

/** Maps the pool's and the validation's typed errors to the gRPC codes the contract documents. */
function toConnectError(error: unknown): unknown {
  if (error instanceof InvalidFieldError) return new ConnectError(error.message, Code.InvalidArgument);
  if (error instanceof NoServerAvailableError) return new ConnectError(error.message, Code.ResourceExhausted);
  if (error instanceof ReservationElsewhereError) return new ConnectError(error.message, Code.NotFound);
  return error;
}

function translatingErrors<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw toConnectError(error);
  }
}

/**
 * The `gameserver.v1.GameServerRegistryService` handlers: request checks and wire mapping around a
 * {@link GameServerPool}, which holds all the rules.
 */
export function createRegistryService(pool: GameServerPool, logger: Logger): ServiceImpl<typeof GameServerRegistryService> {
  return {
    registerServer(request) {
      return translatingErrors(() => {
        const registration = registrationFromRequest(request);
        pool.register(registration);
        logger.info({ serverId: registration.serverId, region: registration.region }, "game server registered");
        return create(RegisterServerResponseSchema, {
          heartbeatInterval: durationFromMs(Math.floor(pool.heartbeatTtlMs / heartbeatsPerTtl)),
          heartbeatTtl: durationFromMs(pool.heartbeatTtlMs),
        });
      });
    },

    heartbeat(request) {
      return translatingErrors(() => {
        const reservations = pool.heartbeat(serverIdFromRequest(request));
        return create(HeartbeatResponseSchema, {
          registered: reservations !== undefined,
          reservations: (reservations ?? []).map((reservation) => create(ReservationSchema, reservation)),
        });
      });
    },

    deregisterServer(request) {
      return translatingErrors(() => {
        const serverId = serverIdFromRequest(request);
        const deregistered = pool.deregister(serverId);
        if (deregistered) logger.info({ serverId }, "game server deregistered");
        return create(DeregisterServerResponseSchema, { deregistered });
      });
    },

    allocate(request) {
      return translatingErrors(() => {
        const slotRequest = slotRequestFromRequest(request);
        const server = pool.allocate(slotRequest);
        logger.debug({ matchId: slotRequest.matchId, serverId: server.serverId }, "slot reserved");
        return create(AllocateResponseSchema, {
          address: create(ServerAddressSchema, { host: server.host, port: server.port }),
          serverId: server.serverId,
          labels: server.labels,
        });
      });
    },

    release(request) {
      return translatingErrors(() => {
        const { matchId, serverId } = releaseFromRequest(request);
        const released = pool.release(matchId, serverId);
        logger.debug({ matchId, released }, "slot released");
        return create(ReleaseResponseSchema, { released });
      });
    },
  };
}
