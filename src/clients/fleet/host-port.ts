/** Joins a host and a port the way players' clients parse it: IPv6 literals go in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
