// Whose is a PIM-for-Groups assignment? A schedule records no author, but it names the
// request that created it (`createdUsing`), and every request gitgrant sends carries its
// marker at the end of the justification: " (gitgrant <request path>)". So a schedule is
// gitgrant's own exactly when its creating request carries the marker of this request file.
// Pure: the provider reads the schedules and requests, this decides.

export interface Schedule {
  id?: string;
  principalId: string;
  accessId: string;
  createdUsing?: string | null;
  /** direct, or group: held through membership of another group. */
  memberType?: string | null;
  /** assigned by an administrator, or activated by the person from an eligibility. */
  assignmentType?: string | null;
  scheduleInfo?: { expiration?: { type?: string; endDateTime?: string | null } };
}

export interface ScheduleRequest {
  id: string;
  action?: string | null;
  justification?: string | null;
  targetScheduleId?: string | null;
  createdDateTime?: string | null;
}

/** The mark gitgrant puts at the end of every justification it writes. */
export const markerOf = (path: string) => ` (gitgrant ${path})`;
const ANY_MARKER = /\(gitgrant (access\/requests\/[^)]+)\)$/;

/** PIM caps the justification at 500 characters; the marker is what must survive, so the reason is cut. */
export function justification(reason: string, path: string): string {
  const suffix = markerOf(path);
  return `${reason.slice(0, 500 - suffix.length)}${suffix}`;
}

export type Verdict =
  | { kind: "own"; schedule: Schedule; end?: string }
  | { kind: "standing"; schedule: Schedule; why: string }
  | { kind: "unknown"; schedule: Schedule; why: string };

const endOf = (s: Schedule) => {
  const e = s.scheduleInfo?.expiration;
  return e?.type === "noExpiration" || !e?.endDateTime ? undefined : e.endDateTime;
};

/** The request that created a schedule: named by createdUsing, else the first assign request aimed at it. */
export function creatorOf(schedule: Schedule, requests: readonly ScheduleRequest[]): ScheduleRequest | undefined {
  const named = schedule.createdUsing ? requests.find((r) => r.id === schedule.createdUsing) : undefined;
  if (named) return named;
  return requests
    .filter((r) => schedule.id && r.targetScheduleId === schedule.id && (r.action === "adminAssign" || r.action === "selfActivate"))
    .sort((a, b) => String(a.createdDateTime ?? "").localeCompare(String(b.createdDateTime ?? "")))[0];
}

/** Whether a schedule is this request file's own (gitgrant made it for `path`), someone's standing access, or cannot be told. */
export function judge(schedule: Schedule, requests: readonly ScheduleRequest[], path: string): Verdict {
  if (schedule.memberType && schedule.memberType !== "direct") {
    return { kind: "standing", schedule, why: `held through membership of another group (${schedule.memberType})` };
  }
  if (schedule.assignmentType === "activated") {
    return { kind: "standing", schedule, why: "activated by the person from their own eligibility" };
  }
  const end = endOf(schedule);
  // gitgrant only ever writes assignments with an end.
  if (!end) return { kind: "standing", schedule, why: "a permanent assignment" };
  const creator = creatorOf(schedule, requests);
  if (!creator) {
    return { kind: "unknown", schedule, why: `the request that created it (${schedule.createdUsing ?? "unnamed"}) is no longer in PIM's request history` };
  }
  const text = creator.justification ?? "";
  if (text.toLowerCase().endsWith(markerOf(path).toLowerCase())) return { kind: "own", schedule, end };
  const other = ANY_MARKER.exec(text)?.[1];
  return {
    kind: "standing",
    schedule,
    why: other ? `made by gitgrant for another request, ${other}` : `a time-bound assignment until ${end} whose justification is not gitgrant's`,
  };
}

/** Whether a schedule was made by gitgrant for any request of this catalog resource (for list()). */
export function madeForResource(schedule: Schedule, requests: readonly ScheduleRequest[], resourceId: string): boolean {
  if ((schedule.memberType && schedule.memberType !== "direct") || schedule.assignmentType === "activated" || !endOf(schedule)) return false;
  const marked = ANY_MARKER.exec(creatorOf(schedule, requests)?.justification ?? "")?.[1];
  return marked !== undefined && marked.toLowerCase().startsWith(`access/requests/${resourceId.toLowerCase()}/`);
}
