import { readFile } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import type { HttpRoute } from "./http-routes.ts";

/** Content types of the files a Vite build emits; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite puts content-hashed files here: their name changes whenever their content does. */
const IMMUTABLE_FOLDER = "assets/";

/**
 * Pages may load scripts, styles and data only from this server, and never be framed: the console
 * handles tokens, so nothing foreign may run beside it.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the files under `rootDir` below `mountPath` (which ends with `/`; `index.html` for the
 * folder itself), and redirects the path without the slash to it.
 *
 * Request paths are decoded and resolved against `rootDir`, and anything resolving outside it is
 * 404, so `..` in any spelling cannot reach other files. Hashed assets are cached for good, the
 * page itself revalidated on every load so a new build shows up at once.
 */
export function staticFilesRoutes(mountPath: string, rootDir: string): Map<string, HttpRoute> {
  const root = resolve(rootDir);
  const serveFile: HttpRoute = (request, response) => {
    const relativePath = relativePathOf(request.url ?? "/", mountPath);
    const file = relativePath === undefined ? undefined : resolve(root, relativePath);
    if (file === undefined || !file.startsWith(root + sep)) {
      notFound(response);
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
          "content-length": String(body.length),
          "cache-control": relativePath?.startsWith(IMMUTABLE_FOLDER) ? "public, max-age=31536000, immutable" : "no-cache",
          "x-content-type-options": "nosniff",
          "content-security-policy": CONTENT_SECURITY_POLICY,
        });
        response.end(body);
      },
      () => notFound(response),
    );
  };
  const redirect: HttpRoute = (_request, response) => {
    response.writeHead(308, { location: mountPath });
    response.end();
  };
  return new Map([
    [mountPath, serveFile],
    [mountPath.slice(0, -1), redirect],
  ]);
}

/** The decoded path below the mount point, or undefined when it cannot be a file name. */
function relativePathOf(url: string, mountPath: string): string | undefined {
  const pathname = new URL(url, "http://host").pathname;
  if (!pathname.startsWith(mountPath)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(mountPath.length));
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  return decoded === "" || decoded.endsWith("/") ? `${decoded}index.html` : decoded;
}

function notFound(response: Parameters<HttpRoute>[1]): void {
  response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  response.end("not found\n");
}
