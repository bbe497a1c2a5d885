// One line when a delivery arrives and one with its outcome, for every event the app
// serves: wraps the handlers as they are registered, so no handler has to remember.
import type { Probot } from "probot";
import { describeError } from "../github/errors.js";

interface DeliveryContext {
  id: string;
  name: string;
  payload: { action?: string; repository?: { full_name?: string }; number?: number; pull_request?: { number?: number }; ref?: string };
  log: { info(msg: string): void; error(msg: string): void };
}

function what(c: DeliveryContext): string {
  const p = c.payload;
  const event = p.action ? `${c.name}.${p.action}` : c.name;
  const number = p.pull_request?.number ?? p.number;
  const where = `${p.repository?.full_name ?? "?"}${number ? `#${number}` : p.ref ? ` ${p.ref}` : ""}`;
  return `delivery ${c.id} ${event} ${where}`;
}

/**
 * A Probot whose `on` logs each delivery around its handler, and records the events served.
 * The clock is a parameter so tests pin the durations.
 */
export function withDeliveryLog(app: Probot, served: string[], clock: () => number = Date.now): Probot {
  const on = ((events: string | string[], handler: (context: DeliveryContext) => Promise<unknown>) => {
    served.push(...[events].flat());
    return app.on(events as never, (async (context: DeliveryContext) => {
      const line = what(context);
      const started = clock();
      context.log.info(`${line}: received`);
      try {
        await handler(context);
        context.log.info(`${line}: handled in ${clock() - started} ms`);
      } catch (err) {
        context.log.error(`${line}: failed after ${clock() - started} ms: ${describeError(err)}`);
        throw err;
      }
    }) as never);
  }) as Probot["on"];
  return new Proxy(app, {
    get(target, key) {
      if (key === "on") return on;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
