// gitgrant report: a self-contained page, checked as text and in headless Chromium.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../../src/core/metrics.js";
import { readAudit } from "../../src/operations/audit.js";
import type { GrantLife } from "../../src/core/audit-types.js";
import { main } from "../../src/cli/index.js";
import { renderReport } from "../../src/report/html.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { buildKnownHistory, type KnownHistory } from "../helpers/history.js";
import { findChromium, loadPage } from "../helpers/chromium.js";

const NOW = new Date("2026-03-02T15:00:00Z");
const browser = findChromium();
if (!browser) {
  // CI (.ci/run) installs Chromium and sets this: there a missing browser is a failure, not a skip.
  if (process.env.GITGRANT_REQUIRE_BROWSER === "1") throw new Error("GITGRANT_REQUIRE_BROWSER=1 but no chromium found (apt-get install -y chromium, or set CHROME_PATH)");
  console.warn("SKIPPED browser tests: no chromium found (install it with `apt-get install -y chromium`, or set CHROME_PATH)");
}

let h: KnownHistory;
let lives: GrantLife[];
let out: string;
beforeAll(async () => {
  h = await buildKnownHistory();
  lives = (await readAudit({ dir: h.repo.dir })).lives;
  out = await mkdtemp(join(tmpdir(), "gitgrant-report-"));
});
afterAll(async () => {
  await cleanupRepos();
  await rm(out, { recursive: true, force: true });
});

function page(extra: Partial<Parameters<typeof renderReport>[0]> = {}, ls = lives): string {
  return renderReport({ lives: ls, metrics: computeMetrics(ls, { now: NOW, standingThreshold: "3h" }), now: NOW, head: h.sha.sweep, ...extra });
}

const HOSTILE = `<script>alert(1)</script><img src="https://evil.example/x.png" onerror="alert(2)"></td></tr>`;

describe("the report page as text", () => {
  it("allows only its own stylesheet and script, by hash, and loads nothing from anywhere", () => {
    const html = page({ repoUrl: "https://github.com/acme/access" });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = (t: string) => createHash("sha256").update(t).digest("base64");
    expect(csp).toBe(`default-src 'none'; style-src 'sha256-${hash(style)}'; script-src 'sha256-${hash(script)}'; img-src data:; base-uri 'none'; form-action 'none'`);
    // Links to GitHub are navigation; nothing is a resource the page would load.
    expect(html).not.toMatch(/\ssrc=/);
    expect(html).not.toMatch(/<link\b/);
    expect(html).toContain('<a href="https://github.com/acme/access/pull/2">#2</a>');
    expect(html).toContain(`<a href="https://github.com/acme/access/commit/${h.sha.dave}">${h.sha.dave.slice(0, 10)}</a>`);
  });

  it("escapes whatever a request file says", () => {
    const html = page({}, [{ ...lives[0]!, reason: HOSTILE }]);
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=&quot;https://evil.example/x.png&quot; onerror=&quot;alert(2)&quot;&gt;");
  });
});

describe.skipIf(!browser)("the report page in headless Chromium", () => {
  it("gitgrant report --out writes a page that loads with no console message and shows every grant", async () => {
    const dir = join(out, "site");
    const lines: string[] = [];
    const code = await main(["report", "--repo", h.repo.dir, "--out", dir, "--now", NOW.toISOString()], { out: (t) => lines.push(t), err: (t) => lines.push(t), cwd: h.repo.dir, env: {} });
    expect(code).toBe(0);
    expect(lines).toEqual([`Wrote ${join(dir, "index.html")}: 4 grants, 1 with incomplete evidence.`]);
    const { dom, console: messages } = await loadPage(browser!, join(dir, "index.html"));
    expect(messages).toEqual([]);
    expect(/<body([^>]*)>/.exec(dom)![1]).toBe(' data-ok="rows:4" data-errors="0"');
    expect(dom).toContain('<pre id="errors" hidden=""></pre>');
    const rows = [...dom.matchAll(/<tr class="(complete|incomplete) (\w+)"><td>(\w+)<\/td><td>([\w-]+)<\/td>/g)].map((m) => `${m[3]} ${m[4]} ${m[2]} ${m[1]}`);
    expect(rows).toEqual([
      "alice staging-deploy revoked complete",
      "bob prod-db-read superseded complete",
      "dave prod-admin revoked incomplete",
      "bob prod-db-read active complete",
    ]);
    // The timeline: three (person, resource) rows, one bar per grant.
    expect(dom.match(/<rect class="bar /g)).toHaveLength(4);
    expect(dom).toContain("dave · prod-admin");
    // Metrics rendered: 18m mean time to grant, 75% complete.
    expect(dom).toContain("<b>18m</b>mean time to grant");
    expect(dom).toContain("<b>75%</b>audit completeness");
  });

  it("a hostile reason stays text: no script runs, nothing is fetched, the page still counts its rows", async () => {
    const file = join(out, "hostile.html");
    await writeFile(file, page({}, [{ ...lives[0]!, reason: HOSTILE }, lives[2]!]));
    const { dom, console: messages } = await loadPage(browser!, file);
    expect(messages).toEqual([]);
    expect(/<body([^>]*)>/.exec(dom)![1]).toBe(' data-ok="rows:2" data-errors="0"');
    expect(dom).not.toContain('<img src="https://evil.example');
  });

  it("the check can fail: a page that tries to load a resource or run an unlisted script is caught", async () => {
    const file = join(out, "tampered.html");
    // After the page's own script, whose listener records violations: one queued before it exists would be lost by chance.
    const html = page().replace("</body>", '<img src="https://example.com/pixel.png"><script>document.title = "x"</script></body>');
    await writeFile(file, html);
    const { dom, console: messages } = await loadPage(browser!, file);
    // CSP violations are reported asynchronously: the image's always reaches the page's listener.
    expect(Number(/data-errors="(\d+)"/.exec(dom)![1])).toBeGreaterThanOrEqual(1);
    expect(dom).toContain("blocked by CSP: img-src https://example.com/pixel.png");
    expect(messages.some((m) => m.includes("Executing inline script violates the following Content Security Policy directive"))).toBe(true);
    expect(await readFile(file, "utf8")).toContain("pixel.png");
  });
});
