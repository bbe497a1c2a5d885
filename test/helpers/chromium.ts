/**
 * Loading a page in headless Chromium and reading back the DOM after its scripts ran, plus
 * every console message Chromium printed (CSP violations and uncaught errors included).
 *
 * CI installs the browser with `apt-get install -y chromium` (Debian). CHROME_PATH overrides
 * the lookup; when no browser is found the browser tests are skipped with a message.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export function findChromium(): string | null {
  const candidates = [process.env.CHROME_PATH, "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].filter(Boolean) as string[];
  for (const c of candidates) {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore", timeout: 20_000 });
      return c;
    } catch {
      // not this one
    }
  }
  return null;
}

export interface LoadedPage {
  dom: string;
  /** Console messages Chromium logged for the page: "INFO:CONSOLE..." lines. */
  console: string[];
}

export async function loadPage(browser: string, file: string): Promise<LoadedPage> {
  const profile = await mkdtemp(join(tmpdir(), "gitgrant-chromium-"));
  const args = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", `--user-data-dir=${profile}`,
    "--enable-logging=stderr", "--v=0",
    // Let pending tasks (asynchronous CSP violation events) run before the DOM is dumped, on virtual time, so load on the machine cannot race them.
    "--virtual-time-budget=5000", "--dump-dom", pathToFileURL(file).href,
  ];
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(browser, args, { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${browser} failed: ${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
    });
    return { dom: stdout, console: stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l) || /Uncaught/.test(l)) };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
