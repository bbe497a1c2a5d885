// Every provider gitgrant has: one line each. A line re-exports a provider file's
// `descriptor`; index.ts derives the names, schemas, identity keys, target checks, native
// expiry and createProviders from this list (see "To add a provider" in the README).
export { descriptor as awsIam } from "./aws-iam.js";
export { descriptor as awsSso } from "./aws-sso.js";
export { descriptor as entraGroup } from "./entra-group.js";
export { descriptor as gcpIam } from "./gcp-iam.js";
export { descriptor as githubTeam } from "./github-team.js";
export { descriptor as googleGroup } from "./google-group.js";
export { descriptor as local } from "./local.js";
export { descriptor as oktaGroup } from "./okta-group.js";
