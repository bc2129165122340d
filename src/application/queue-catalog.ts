import type { QueueConfig } from "../domain/queue-config.ts";
import { NotFoundError } from "./errors.ts";

/** The configured queues, looked up by name. */
export class QueueCatalog {
  readonly #byName: ReadonlyMap<string, QueueConfig>;

  constructor(queues: readonly QueueConfig[]) {
    this.#byName = new Map(queues.map((queue) => [queue.name, queue]));
  }

  /** Every queue, in configuration order. */
  list(): QueueConfig[] {
    return [...this.#byName.values()];
  }

  /** The named queue; NotFoundError if there is none. */
  get(name: string): QueueConfig {
    const queue = this.#byName.get(name);
    if (queue === undefined) throw new NotFoundError(`queue "${name}" does not exist`);
    return queue;
  }
}
