// Generated access repositories for benchmarks (never committed).
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GeneratedRepo {
  dir: string;
  files: string[];
}

/** A repository with `resources` resources and `files` request files spread over them. */
export async function generateAccessRepo(opts: { resources: number; files: number }): Promise<GeneratedRepo> {
  const dir = await mkdtemp(join(tmpdir(), "gitgrant-bench-"));
  const sens = ["low", "medium", "high", "critical"];
  const catalog = ["resources:"];
  const identities = ["users:"];
  const owners = ["* @acme/platform"];
  for (let r = 0; r < opts.resources; r++) {
    catalog.push(`  res-${r}:`, `    sensitivity: ${sens[r % 4]}`, `    max_duration: 8h`, `    provider: local`, `    target: { name: res-${r} }`);
    owners.push(`/access/requests/res-${r}/ @acme/team-${r % 7}`);
  }
  const users = Math.ceil(opts.files / opts.resources);
  for (let u = 0; u < users; u++) identities.push(`  user-${u}: { local: user-${u} }`);
  const policy = `tiers:
  - name: self-service
    match: { sensitivity: [low], max_duration: 4h }
    approvals: 0
  - name: conditional
    match: { sensitivity: [low, medium] }
    approvals: 1
    auto_approve_if: "requester.teams.exists(t, t == 'acme/oncall') && incident.open"
  - name: escalated
    match: { sensitivity: [high, critical] }
    approvals: 2
    require: [ticket]
    max_duration: 8h
`;
  await mkdir(join(dir, "access"), { recursive: true });
  await mkdir(join(dir, ".github"), { recursive: true });
  await writeFile(join(dir, "access/catalog.yaml"), catalog.join("\n") + "\n");
  await writeFile(join(dir, "access/identities.yaml"), identities.join("\n") + "\n");
  await writeFile(join(dir, "access/policy.yaml"), policy);
  await writeFile(join(dir, ".github/CODEOWNERS"), owners.join("\n") + "\n");
  const files: string[] = [];
  for (let i = 0; i < opts.files; i++) {
    const r = i % opts.resources;
    const u = Math.floor(i / opts.resources);
    const path = `access/requests/res-${r}/user-${u}.yaml`;
    await mkdir(join(dir, `access/requests/res-${r}`), { recursive: true });
    await writeFile(join(dir, path), `reason: Generated request number ${i} for the benchmark\nduration: ${1 + (i % 6)}h\nticket: INC-${i}\n`);
    files.push(path);
  }
  return { dir, files };
}
