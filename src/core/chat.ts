// Chat message bodies for an event: Slack incoming webhooks and Microsoft Teams (Workflows /
// incoming webhook with an Adaptive Card). Request reasons are written by anyone who can
// open a PR, so text is escaped: no @channel pings, no forged links.
import type { AccessConfig } from "./config.js";
import type { AccessEvent } from "./events.js";
import { own } from "./own.js";

/** Slack's three control characters in text (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function context(e: AccessEvent): string {
  return [e.type.replace("_", " "), e.tier ? `tier ${e.tier}` : null, e.pr ? `PR #${e.pr}` : null, e.time].filter(Boolean).join(" · ");
}

/** Chat handles to mention (from identities.yaml `slack` / `teams`), carried in an event's details. */
export interface ChatMentions {
  slack?: string[];
  teams?: Array<{ id: string; name: string }>;
}

/** Chat handles of GitHub logins ("@carol"; teams have none) from identities.yaml. */
export function mentionsFor(config: Pick<AccessConfig, "identities">, owners: string[]): ChatMentions {
  const slack: string[] = [];
  const teams: Array<{ id: string; name: string }> = [];
  for (const o of owners) {
    const login = o.replace(/^@/, "");
    if (login.includes("/")) continue;
    const id = own(config.identities.users, login.toLowerCase());
    if (id?.slack) slack.push(id.slack);
    if (id?.teams) teams.push({ id: id.teams, name: login });
  }
  return { slack, teams };
}

/** Whether there is anyone to mention. */
export function hasMentions(m: ChatMentions | undefined): boolean {
  return !!m && ((m.slack?.length ?? 0) > 0 || (m.teams?.length ?? 0) > 0);
}

function mentionsOf(e: AccessEvent): ChatMentions {
  return (e.details.mentions ?? {}) as ChatMentions;
}

/** Slack member ids only (U123ABC, W123ABC): anything else could be a forged control sequence. */
const SLACK_ID = /^[UW][A-Z0-9]{2,20}$/;

/** Slack incoming webhook body: `text` (the notification and fallback) and Block Kit blocks. */
export function slackBody(e: AccessEvent): { text: string; blocks: unknown[] } {
  const ids = (mentionsOf(e).slack ?? []).filter((id) => SLACK_ID.test(id));
  const text = `${slackEscape(e.message)}${ids.length ? ` ${ids.map((id) => `<@${id}>`).join(" ")}` : ""}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "context", elements: [{ type: "mrkdwn", text: slackEscape(context(e)) }] },
    ],
  };
}

/**
 * Adaptive Card TextBlocks render a little markdown, including [text](url) links: a space
 * between "]" and "(" keeps a reason from showing as a link to somewhere else.
 */
export function teamsEscape(text: string): string {
  return text.replace(/\]\(/g, "] (");
}

/** Teams webhook body: a message with one Adaptive Card attachment (the format Workflows webhooks accept). */
export function teamsBody(e: AccessEvent): Record<string, unknown> {
  const people = (mentionsOf(e).teams ?? []).filter((m) => /^[^\s<>]+$/.test(m.id));
  const named = people.map((m) => `<at>${teamsEscape(m.name.replace(/[<>]/g, ""))}</at>`).join(" ");
  const mention = people.length
    ? { msteams: { entities: people.map((m) => ({ type: "mention", text: `<at>${teamsEscape(m.name.replace(/[<>]/g, ""))}</at>`, mentioned: { id: m.id, name: m.name } })) } }
    : {};
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: teamsEscape(e.message), wrap: true },
            { type: "TextBlock", text: teamsEscape(context(e)), wrap: true, isSubtle: true, size: "Small" },
            ...(named ? [{ type: "TextBlock", text: named, wrap: true }] : []),
          ],
          ...mention,
        },
      },
    ],
  };
}
