import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * A load generator in its own process, talked to by messages.
 *
 * The generator must not share an event loop (or a core's worth of CPU time) with the server it
 * measures: in one process the two would slow each other down in ways a reader cannot separate.
 */
export class LoadProcess<Out> {
  readonly #child: ChildProcess;
  readonly #inbox: Out[] = [];
  readonly #waiting: { resolve: (message: Out) => void; reject: (error: Error) => void }[] = [];
  #exitError: Error | undefined;

  constructor(script: URL, config: unknown) {
    this.#child = fork(fileURLToPath(script), [], { execPath: process.execPath, serialization: "advanced", stdio: "inherit" });
    this.#child.on("message", (message) => {
      const waiter = this.#waiting.shift();
      if (waiter !== undefined) waiter.resolve(message as Out);
      else this.#inbox.push(message as Out);
    });
    this.#child.once("exit", (code) => {
      this.#exitError = new Error(`${script.pathname} exited with code ${code}`);
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exitError);
    });
    this.#child.send(config as object);
  }

  /** The next message the generator sends. */
  next(): Promise<Out> {
    const message = this.#inbox.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#exitError !== undefined) return Promise.reject(this.#exitError);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  send(message: unknown): void {
    this.#child.send(message as object);
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (this.#child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.#child.once("exit", () => resolve()));
  }
}

/** Runs a one-shot generator: send the config, receive one result. */
export async function runChild<Config, Result>(script: URL, config: Config): Promise<Result> {
  const child = new LoadProcess<Result>(script, config);
  const result = await child.next();
  await child.exited();
  return result;
}

/** The child side of a one-shot generator: receives the config, runs, reports, exits. */
export function serveChild<Config, Result>(run: (config: Config) => Promise<Result>): void {
  process.once("message", (config) => {
    run(config as Config).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

/** The next message from the parent. */
export function nextParentMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once("message", (message) => resolve(message as T)));
}
