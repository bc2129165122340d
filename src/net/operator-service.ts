import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Caller } from "../application/caller.ts";
import type { QueueRegionReport, QueueStatsReport } from "../application/get-queue-stats.ts";
import type { Logger } from "../application/ports/logger.ts";
import {
  GetQueueStatsResponseSchema,
  OperatorService,
  QueueRegionStatsSchema,
  type GetQueueStatsResponse,
} from "../gen/matchmaking/v1/operator_pb.js";
import { callerOf } from "./caller-context.ts";
import { failedCall } from "./connect-errors.ts";
import { LIMITS, requireText } from "./request-fields.ts";
import { requestLogger } from "./rpc-observer.ts";

/** The operator use cases the service serves. */
export interface OperatorUseCases {
  getQueueStats(caller: Caller, queue: string): Promise<QueueStatsReport>;
}

/** The OperatorService handlers: dashboards' view of every queue. */
export function createOperatorService(useCases: OperatorUseCases, logger: Logger): ServiceImpl<typeof OperatorService> {
  return {
    async getQueueStats(request, context) {
      try {
        const queue = request.queue === "" ? "" : requireText(request.queue, "queue", LIMITS.queueNameLength);
        return toQueueStatsMessage(await useCases.getQueueStats(callerOf(context), queue));
      } catch (error) {
        throw failedCall(error, "GetQueueStats", requestLogger(context, logger));
      }
    },
  };
}

function toQueueStatsMessage(report: QueueStatsReport): GetQueueStatsResponse {
  return create(GetQueueStatsResponseSchema, {
    observedAt: timestampFromMs(report.observedAt),
    window: durationFromMs(report.windowMs),
    stats: report.regions.map(toRegionMessage),
  });
}

function toRegionMessage(region: QueueRegionReport): MessageInitShape<typeof QueueRegionStatsSchema> {
  return {
    queue: region.queue,
    region: region.region,
    ticketsWaiting: region.ticketsWaiting,
    playersWaiting: region.playersWaiting,
    oldestWait: durationFromMs(region.oldestWaitMs),
    waitP50: optionalDuration(region.waitP50Ms),
    waitP90: optionalDuration(region.waitP90Ms),
    waitP99: optionalDuration(region.waitP99Ms),
    matchesPerMinute: region.matchesPerMinute,
    updatedAt: region.updatedAt === undefined ? undefined : timestampFromMs(region.updatedAt),
  };
}

function optionalDuration(ms: number | undefined): ReturnType<typeof durationFromMs> | undefined {
  return ms === undefined ? undefined : durationFromMs(ms);
}
