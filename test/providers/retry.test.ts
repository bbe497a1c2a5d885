import { describe, expect, it } from "vitest";
import { backoffDelay, withRetry } from "../../src/providers/retry.js";
import { kindOf, redact, toProviderError } from "../../src/providers/errors.js";
import { ProviderError } from "../../src/providers/types.js";
import { recordingSleep } from "../helpers/providers.js";

describe("withRetry", () => {
  it("retries throttled and transient failures with growing delays, then succeeds", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new ProviderError("throttled", "slow down");
        if (calls === 2) throw new ProviderError("transient", "502");
        return "ok";
      },
      { sleep, random: () => 1 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(delays).toEqual([200, 400]);
  });

  it("gives up after the last attempt and says how many tries were made", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw new ProviderError("transient", "add alice: temporary failure (HTTP 503)");
      },
      { attempts: 3, sleep, random: () => 0 },
    ).catch((e) => e);
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe("transient");
    expect(error.message).toBe("add alice: temporary failure (HTTP 503) (gave up after 3 tries)");
  });

  it("with one attempt, a retryable error goes out unchanged for an outer loop to count", async () => {
    const error = await withRetry(
      async () => {
        throw new ProviderError("throttled", "slow down");
      },
      { attempts: 1 },
    ).catch((e) => e);
    expect([error.kind, error.message]).toEqual(["throttled", "slow down"]);
  });

  it("never retries denied, invalid or not_found", async () => {
    for (const kind of ["denied", "invalid", "not_found"] as const) {
      const { sleep, delays } = recordingSleep();
      let calls = 0;
      const error = await withRetry(
        async () => {
          calls++;
          throw new ProviderError(kind, "no");
        },
        { sleep },
      ).catch((e) => e);
      expect([calls, delays.length, error.kind]).toEqual([1, 0, kind]);
    }
  });

  it("maps raw SDK errors before deciding", async () => {
    const { sleep } = recordingSleep();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error("Bad credentials"), { status: 401 });
      },
      { sleep, action: "add alice to acme/admins" },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(error.kind).toBe("denied");
    expect(error.message).toBe("add alice to acme/admins: permission denied (HTTP 401): Bad credentials");
  });

  it("waits as long as a Retry-After header asks, within the cap", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const throttled = (seconds: string) =>
      Object.assign(new Error("Too many requests"), { status: 429, response: { headers: { "retry-after": seconds } } });
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw throttled("3");
        if (calls === 2) throw throttled("600");
        return "ok";
      },
      { sleep, random: () => 0, maxDelayMs: 10_000 },
    );
    expect(delays).toEqual([3000, 10_000]);
  });

  it("caps each delay", () => {
    expect(backoffDelay(10, 200, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(1, 200, 5000, () => 0.5)).toBe(150);
  });
});

describe("error mapping", () => {
  it("maps HTTP statuses and service codes to kinds", () => {
    const cases: Array<[unknown, string]> = [
      [{ status: 404 }, "not_found"],
      [{ statusCode: 409 }, "conflict"],
      [{ status: 412 }, "conflict"],
      [{ status: 429 }, "throttled"],
      [{ status: 403 }, "denied"],
      [{ status: 401 }, "denied"],
      [{ status: 400 }, "invalid"],
      [{ status: 502 }, "transient"],
      [{ name: "Throttling", $metadata: { httpStatusCode: 400 } }, "throttled"],
      [{ name: "NoSuchEntityException", $metadata: { httpStatusCode: 404 } }, "not_found"],
      [{ status: 403, message: "API rate limit exceeded for installation ID 1" }, "throttled"],
      [{ status: 403, response: { headers: { "x-ratelimit-remaining": "0" } } }, "throttled"],
      [Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "transient"],
      [new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), "transient"],
      [Object.assign(new Error("Connection timed out after 3000 ms"), { name: "TimeoutError" }), "transient"],
    ];
    for (const [err, kind] of cases) expect([err, kindOf(err)]).toEqual([err, kind]);
  });

  it("keeps secrets out of messages and drops the raw error", () => {
    const raw = Object.assign(new Error("bad request: Authorization: Bearer ghs_abcdefghijklmnopqrstuvwxyz012345 client_secret=s3cr3t!"), {
      status: 400,
      request: { headers: { authorization: "token ghs_abcdefghijklmnopqrstuvwxyz012345" } },
    });
    const error = toProviderError(raw, "add alice");
    expect(error.message).not.toContain("ghs_");
    expect(error.message).not.toContain("s3cr3t");
    expect(error.cause).toEqual({ status: 400, code: undefined });
    expect(redact("AKIAABCDEFGHIJKLMNOP and ya29.a0AfH6SM")).toBe("[redacted] and [redacted]");
  });
});
