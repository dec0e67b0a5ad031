// STS over the awsQuery protocol, as pure functions: the form body of each call and the reading of its
// XML reply. https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
import { AwsCallError, type AwsReply } from './http.ts';
import { xmlElement, xmlField } from './xml.ts';

export const STS_VERSION = '2011-06-15';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** One form value, percent-encoded as RFC 3986 wants (unreserved characters kept; space is %20). */
export function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request body of `action` with `params` in order; parameters without a value are left out. */
export function formBody(action: string, params: readonly (readonly [string, string | number | undefined])[] = []): string {
  const all: (readonly [string, string | number | undefined])[] = [['Action', action], ['Version', STS_VERSION], ...params];
  return all.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${formEncode(k)}=${formEncode(String(v))}`).join('&');
}

type Param = readonly [string, string | number | undefined];

/** Numbered members of a list parameter: Name.member.1<suffix>, Name.member.2<suffix>, … */
function members(name: string, values: readonly string[] | undefined, suffix = ''): Param[] {
  return (values ?? []).map((v, i) => [`${name}.member.${i + 1}${suffix}`, v] as const);
}

/** What both assume calls may take. */
export interface AssumeInput { roleArn: string; sessionName: string; durationSeconds: number; policy?: string; policyArns?: string[] }

function common(i: AssumeInput): Param[] {
  return [['RoleArn', i.roleArn], ['RoleSessionName', i.sessionName], ['DurationSeconds', i.durationSeconds], ['Policy', i.policy], ...members('PolicyArns', i.policyArns, '.arn')];
}

/** The body of AssumeRoleWithWebIdentity. */
export function webIdentityBody(i: AssumeInput & { token: string }): string {
  return formBody('AssumeRoleWithWebIdentity', [...common(i), ['WebIdentityToken', i.token]]);
}

/** The body of AssumeRole, with the controls only it takes. */
export function assumeRoleBody(i: AssumeInput & {
  externalId?: string; tags?: { key: string; value: string }[]; transitiveTagKeys?: string[]; sourceIdentity?: string;
}): string {
  const tags = i.tags ?? [];
  return formBody('AssumeRole', [
    ...common(i), ['ExternalId', i.externalId],
    ...tags.flatMap((t, n): Param[] => [[`Tags.member.${n + 1}.Key`, t.key], [`Tags.member.${n + 1}.Value`, t.value]]),
    ...members('TransitiveTagKeys', i.transitiveTagKeys), ['SourceIdentity', i.sourceIdentity],
  ]);
}

/** The body of GetCallerIdentity. */
export const callerIdentityBody = (): string => formBody('GetCallerIdentity');

/** Throws the error of a failed reply (ErrorResponse's Code and Message, shaped as the SDK's), else returns the body. */
export function stsReply(action: string, reply: AwsReply): string {
  if (reply.status >= 200 && reply.status < 300) return reply.body;
  const error = xmlElement(reply.body, 'Error') ?? '';
  const code = xmlField(error, 'Code') ?? 'UnknownError';
  const message = xmlField(error, 'Message') ?? `STS answered ${action} with HTTP ${reply.status}`;
  throw new AwsCallError(code, message, reply.status);
}

/** Session credentials as STS returns them. */
export interface StsCredentials { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }

/** The <Credentials> of an assume answer, or an error when STS left them out. */
export function credentialsOf(action: string, xml: string): StsCredentials {
  const c = xmlElement(xml, 'Credentials') ?? '';
  const [accessKeyId, secretAccessKey, sessionToken, expires] = ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'].map((n) => xmlField(c, n));
  const expiration = new Date(expires ?? '');
  if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration.getTime())) {
    throw new Error(`STS answered ${action} without credentials`);
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** Arn, Account and UserId of a GetCallerIdentity answer. */
export function callerIdentityOf(xml: string): { arn: string; account: string; userId: string } {
  return { arn: xmlField(xml, 'Arn') ?? '', account: xmlField(xml, 'Account') ?? '', userId: xmlField(xml, 'UserId') ?? '' };
}
