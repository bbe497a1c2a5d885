// GET /healthz for load balancers and container health checks: the process is up and the
// app is loaded. It reads nothing from GitHub (a GitHub outage must not restart every replica).
import type { IncomingMessage, ServerResponse } from "node:http";

export const HEALTH_PATH = "/healthz";

export function healthHandler(info: { version: string; appId?: number }) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== HEALTH_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    const body = JSON.stringify({ status: "ok", version: info.version, app_id: info.appId ?? null });
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
