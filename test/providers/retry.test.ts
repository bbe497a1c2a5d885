import { describe, expect, it } from "vitest";
import { backoffDelay, withRetry } from "../../src/providers/retry.js";
import { kindOf, redact, retryAfterMs, toProviderError } from "../../src/providers/errors.js";
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
    expect(error.kind).toBe("config");
    expect(error.message).toBe("add alice to acme/admins: configuration error (HTTP 401): Bad credentials");
  });

  const throttled = (retryAfter: string) =>
    Object.assign(new Error("Too many requests"), { status: 429, response: { headers: { "retry-after": retryAfter } } });

  it("waits as long as a Retry-After in seconds asks, beyond the backoff cap and within the Retry-After bound", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw throttled("3");
        if (calls === 2) throw throttled("45");
        return "ok";
      },
      { sleep, random: () => 0, maxDelayMs: 10_000 },
    );
    expect(delays).toEqual([3000, 45_000]);
  });

  it("reads Retry-After as an HTTP date against the injected clock", async () => {
    const { sleep, delays } = recordingSleep();
    const now = Date.parse("2026-03-02T10:00:00Z");
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw throttled("Mon, 02 Mar 2026 10:00:07 GMT");
        if (calls === 2) throw throttled("Mon, 02 Mar 2026 09:59:00 GMT"); // already past: the backoff decides
        return "ok";
      },
      { sleep, random: () => 0, now: () => now },
    );
    expect(delays).toEqual([7000, 200]);
  });

  it("gives up at once when asked to wait longer than maxRetryAfterMs, saying how long was asked", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw throttled("3600");
      },
      { sleep, action: "list members of group g", maxRetryAfterMs: 120_000 },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(error.kind).toBe("throttled");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      "list members of group g: rate limited (HTTP 429): Too many requests (the service asked to wait 3600 s, longer than gitgrant waits: 120 s)",
    );
  });

  it("never retries a programming error: a TypeError is not transient", async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        return (undefined as unknown as { id: string }).id;
      },
      { sleep, action: "grant alice" },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(error.kind).toBe("internal");
    expect(error.message).toMatch(/^grant alice: internal error \(a bug in gitgrant or a library; please report it\): Cannot read properties of undefined/);
  });

  it("GitHub's primary rate limit: waits until x-ratelimit-reset", () => {
    const now = Date.parse("2026-03-02T10:00:00Z");
    const err = { status: 403, response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 30) } } };
    expect(retryAfterMs(err, () => now)).toBe(30_000);
    expect(retryAfterMs({ status: 403, response: { headers: { "x-ratelimit-remaining": "12", "x-ratelimit-reset": "1" } } }, () => now)).toBeUndefined();
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
      [{ status: 401 }, "config"],
      [{ name: "CredentialsProviderError", message: "Could not load credentials from any providers" }, "config"],
      [{ name: "InvalidClientTokenId", $metadata: { httpStatusCode: 403 } }, "config"],
      [new Error("Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information."), "config"],
      [new TypeError("Cannot read properties of undefined (reading 'id')"), "internal"],
      [new RangeError("Invalid time value"), "internal"],
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
    // Words after "token" are not a token: AWS's own sentence stays readable.
    expect(redact("The security token included in the request is invalid.")).toBe("The security token included in the request is invalid.");
  });
});
