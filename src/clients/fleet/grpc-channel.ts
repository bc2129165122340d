import type { SecureClientSessionOptions } from "node:http2";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { keyPath } from "../../config/config-reader.ts";
import { ConfigError } from "../../config/config-error.ts";
import { readSettingFile } from "../../config/setting-file.ts";
import { UnaryGrpcTransport } from "./unary-grpc-transport.ts";

/**
 * Certificate files for calling a fleet over TLS. All are PEM files.
 *
 * Without `caFile` the system's trusted CAs verify the server. `certFile` and `keyFile` together
 * enable mutual TLS (the Agones allocator requires it by default).
 */
export interface ClientTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Options of {@link openFleetChannel}. */
export interface FleetChannelOptions {
  /** `http://host:port` for cleartext HTTP/2, `https://host:port` for TLS. */
  readonly url: string;
  readonly tls?: ClientTlsFiles;
  /** Keepalive PING interval; see {@link defaultPingIntervalMs}. */
  readonly pingIntervalMs: number;
  /** Path of these options in the configuration, for error messages. Defaults to no prefix. */
  readonly configKey?: string;
}

/** One long-lived HTTP/2 connection to a fleet, shared by all its calls. */
export interface FleetChannel {
  readonly transport: Transport;
  /** Closes the connection and any call still running on it. */
  close(): void;
}

/**
 * Default keepalive PING interval. gRPC servers (Agones' allocator included) reject clients that
 * ping more often than every 60 s with GOAWAY `too_many_pings`, so one minute is the shortest safe
 * interval; the PING is only sent when a connection has open calls or is reused after idling.
 */
export const defaultPingIntervalMs = 60_000;

function readPem(path: string | undefined, key: string): string | undefined {
  return path === undefined ? undefined : readSettingFile(key, path);
}

function tlsSessionOptions(tls: ClientTlsFiles, prefix: string): SecureClientSessionOptions {
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    const missing = tls.certFile === undefined ? "certFile" : "keyFile";
    throw new ConfigError(keyPath(prefix, `tls.${missing}`), "is required: certFile and keyFile go together");
  }
  const ca = readPem(tls.caFile, keyPath(prefix, "tls.caFile"));
  const cert = readPem(tls.certFile, keyPath(prefix, "tls.certFile"));
  const key = readPem(tls.keyFile, keyPath(prefix, "tls.keyFile"));
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/**
 * Opens the channel a fleet client uses for its whole life: reusing one HTTP/2 connection avoids a
 * TCP and TLS handshake per allocation, which both adds latency and loads the fleet's allocator.
 * Certificate files are read once, here, so that a missing file fails at startup, not at the first
 * match.
 *
 * @throws ConfigError for a URL that is not http(s) or an unreadable certificate file.
 */
export function openFleetChannel(options: FleetChannelOptions): FleetChannel {
  const prefix = options.configKey ?? "";
  const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(keyPath(prefix, "url"), `must be an http:// or https:// URL, got "${options.url}"`);
  }
  if (options.tls && url.protocol !== "https:") {
    throw new ConfigError(keyPath(prefix, "url"), "must start with https:// when tls is configured");
  }
  const sessionOptions = options.tls ? tlsSessionOptions(options.tls, prefix) : {};
  const sessionManager = new Http2SessionManager(url, { pingIntervalMs: options.pingIntervalMs }, sessionOptions);
  // Unary calls (every fleet call today) are written straight onto the connection; connect's own
  // transport keeps the streaming ones.
  const streaming = createGrpcTransport({ baseUrl: url.toString(), sessionManager });
  const transport = new UnaryGrpcTransport({ baseUrl: url, sessionManager, streaming });
  return { transport, close: () => sessionManager.abort() };
}
