// awsQuery parameters of the STS actions: decoded once, validated with the constraints STS's model states.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
import { awsErrors, ValidationErrors } from './errors.ts';

/** Decoded `Name=value` pairs of an awsQuery request (query string and form body together). */
export type QueryParams = Map<string, string>;

/** Parses form-encoded text into `params`; later pairs win, as in a server reading the body after the URL. */
export function parseForm(text: string, params: QueryParams = new Map()): QueryParams {
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

/** Parameters shared by AssumeRole and AssumeRoleWithWebIdentity. */
export interface RoleSessionParams {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number | undefined;
  policy: string | undefined;
  policyArns: string[];
}

/** AssumeRoleWithWebIdentity's parameters. */
export interface WebIdentityParams extends RoleSessionParams {
  webIdentityToken: string;
  providerId: string | undefined;
}

/** AssumeRole's parameters. */
export interface AssumeRoleParams extends RoleSessionParams {
  externalId: string | undefined;
  sourceIdentity: string | undefined;
  tags: { key: string; value: string }[];
  transitiveTagKeys: string[];
}

const NAME_PATTERN = /^[\w+=,.@-]*$/;
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]*$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

function checkString(
  v: ValidationErrors,
  field: string,
  value: string | undefined,
  rule: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string },
): void {
  if (value === undefined) {
    if (rule.required) v.add(field, undefined, 'Member must not be null');
    return;
  }
  if (rule.pattern && !rule.pattern.test(value)) v.add(field, value, `Member must satisfy regular expression pattern: ${rule.patternText}`);
  if (rule.min !== undefined && value.length < rule.min) v.add(field, value, `Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) v.add(field, value, `Member must have length less than or equal to ${rule.max}`);
}

// Lists arrive as Prefix.member.1.suffix, Prefix.member.2.suffix, …
function memberList(p: QueryParams, prefix: string, suffix: string): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`${prefix}.member.${i}${suffix}`); i++) out.push(p.get(`${prefix}.member.${i}${suffix}`)!);
  return out;
}

function readCommon(p: QueryParams, v: ValidationErrors): RoleSessionParams {
  const roleArn = p.get('RoleArn');
  const roleSessionName = p.get('RoleSessionName');
  checkString(v, 'roleArn', roleArn, { required: true, min: 20, max: 2048 });
  checkString(v, 'roleSessionName', roleSessionName, { required: true, min: 2, max: 64, pattern: NAME_PATTERN, patternText: '[\\w+=,.@-]*' });
  const rawDuration = p.get('DurationSeconds');
  let durationSeconds: number | undefined;
  if (rawDuration !== undefined) {
    durationSeconds = Number(rawDuration);
    if (!/^-?\d+$/.test(rawDuration)) v.add('durationSeconds', rawDuration, 'Member must be a whole number');
    else if (durationSeconds < 900) v.add('durationSeconds', rawDuration, 'Member must have value greater than or equal to 900');
    else if (durationSeconds > 43200) v.add('durationSeconds', rawDuration, 'Member must have value less than or equal to 43200');
  }
  const policy = p.get('Policy');
  checkString(v, 'policy', policy, { min: 1, max: 2048 });
  const policyArns = memberList(p, 'PolicyArns', '.arn');
  if (policyArns.length > 10) v.add('policyArns', `[${policyArns.join(', ')}]`, 'Member must have length less than or equal to 10');
  policyArns.forEach((arn, i) => checkString(v, `policyArns.${i + 1}.member.arn`, arn, { min: 20, max: 2048 }));
  return { roleArn: roleArn ?? '', roleSessionName: roleSessionName ?? '', durationSeconds, policy, policyArns };
}

/** Reads and validates AssumeRoleWithWebIdentity's parameters (ValidationError on the first bad batch). */
export function readWebIdentityParams(p: QueryParams): WebIdentityParams {
  const v = new ValidationErrors();
  const common = readCommon(p, v);
  const webIdentityToken = p.get('WebIdentityToken');
  // Echoing a token into an error message would leak it into client logs; STS names the member only.
  if (webIdentityToken === undefined) v.add('webIdentityToken', undefined, 'Member must not be null');
  else if (webIdentityToken.length < 4 || webIdentityToken.length > 20000) v.add('webIdentityToken', '***', 'Member must have length between 4 and 20000');
  const providerId = p.get('ProviderId');
  checkString(v, 'providerId', providerId, { min: 4, max: 2048 });
  v.throwIfAny();
  return { ...common, webIdentityToken: webIdentityToken!, providerId };
}

/** Reads and validates AssumeRole's parameters. */
export function readAssumeRoleParams(p: QueryParams): AssumeRoleParams {
  const v = new ValidationErrors();
  const common = readCommon(p, v);
  const externalId = p.get('ExternalId');
  checkString(v, 'externalId', externalId, { min: 2, max: 1224, pattern: EXTERNAL_ID_PATTERN, patternText: '[\\w+=,.@:\\/-]*' });
  const sourceIdentity = p.get('SourceIdentity');
  checkString(v, 'sourceIdentity', sourceIdentity, { min: 2, max: 64, pattern: NAME_PATTERN, patternText: '[\\w+=,.@-]*' });
  const keys = memberList(p, 'Tags', '.Key');
  const tags = keys.map((key, i) => ({ key, value: p.get(`Tags.member.${i + 1}.Value`) ?? '' }));
  if (tags.length > 50) v.add('tags', `[${keys.length} tags]`, 'Member must have length less than or equal to 50');
  tags.forEach((t, i) => {
    checkString(v, `tags.${i + 1}.member.key`, t.key, { min: 1, max: 128, pattern: TAG_KEY_PATTERN, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' });
    checkString(v, `tags.${i + 1}.member.value`, t.value, { max: 256 });
  });
  const transitiveTagKeys = memberList(p, 'TransitiveTagKeys', '');
  if (transitiveTagKeys.length > 50) v.add('transitiveTagKeys', `[${transitiveTagKeys.length} keys]`, 'Member must have length less than or equal to 50');
  v.throwIfAny();
  return { ...common, externalId, sourceIdentity, tags, transitiveTagKeys };
}

/** Splits a role ARN into account and name; undefined when it names no role (STS then denies). */
export function parseRoleArn(arn: string): { account: string; name: string } | undefined {
  // The partition may be aws, aws-cn, aws-us-gov; roles may sit under a path.
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(arn);
  return m ? { account: m[1]!, name: m[2]! } : undefined;
}

/** STS's one syntactic ARN check; other malformed ARNs end in AccessDenied, as on AWS. */
export function checkArnShape(arn: string): void {
  if (!arn.startsWith('arn:')) throw awsErrors.validation('Request ARN is invalid');
}

/** A session policy must at least be JSON (MalformedPolicyDocument otherwise). */
export function checkSessionPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  try {
    JSON.parse(policy);
  } catch {
    throw awsErrors.malformedPolicy('The policy is not in the valid JSON format.');
  }
}
