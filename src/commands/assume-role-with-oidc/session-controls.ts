// Session controls: an inline session policy, managed session policy ARNs, and the accounts the
// final credentials may belong to.
import { ParamError } from '../../lib/errors.ts';
import { boolParam, kindListParam, stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import { commaList, lineList, wordList } from '../../lib/grammar.ts';

/** A session tag. */
export interface SessionTag { key: string; value: string }

/**
 * The parsed controls. Policies apply to the hop whose credentials are exported (the last one);
 * tags, transitive tag keys and the source identity to the role-chain hops (sts:AssumeRole), since
 * AssumeRoleWithWebIdentity takes them only from the token's claims.
 */
export interface SessionControls {
  policy?: string; policyArns: string[]; allowedAccountIds: string[];
  tags: SessionTag[]; transitiveTagKeys: string[]; sourceIdentity?: string;
}

// https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/** The CircleCI tags chained sessions carry by default, cut to what STS accepts. */
export function circleciTags(env: Env): SessionTag[] {
  const pick: [string, string | undefined][] = [
    ['circleci:project', env.CIRCLE_PROJECT_REPONAME], ['circleci:branch', env.CIRCLE_BRANCH ?? env.CIRCLE_TAG],
    ['circleci:job', env.CIRCLE_JOB], ['circleci:build-num', env.CIRCLE_BUILD_NUM], ['circleci:pipeline-id', env.CIRCLE_PIPELINE_ID],
  ];
  return pick.filter((t): t is [string, string] => !!t[1])
    .map(([key, v]) => ({ key, value: v.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256) }));
}

/** Parses session-tags: one Key=Value per line. */
function parseTags(text: string): SessionTag[] {
  return lineList(text).map((line) => {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = eq > 0 ? line.slice(eq + 1).trim() : '';
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value) || key.toLowerCase().startsWith('aws:')) {
      throw new ParamError('session-tags', line, 'is not a valid Key=Value session tag', 'one Key=Value per line; keys 1-128 and values 0-256 of letters, digits, spaces and _.:/=+-@; no aws: prefix');
    }
    return { key, value };
  });
}

const POLICY_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;

/** Parses session-policy, managed-session-policies and allowed-account-ids. */
export function parseSessionControls(raw: ParamSource, env: Env): SessionControls {
  const policyText = stringParam(raw, env, 'session-policy');
  if (policyText !== '') {
    try {
      const doc = JSON.parse(policyText) as unknown;
      if (typeof doc !== 'object' || doc === null || !('Statement' in doc)) throw new Error('no Statement');
    } catch {
      throw new ParamError('session-policy', policyText.slice(0, 60), 'is not an IAM policy document in JSON', 'give a JSON document with Version and Statement');
    }
    if (policyText.length > 2048) {
      throw new ParamError('session-policy', `${policyText.slice(0, 60)}...`, `is ${policyText.length} characters long; STS accepts at most 2048`,
        'remove spaces and line breaks, or narrow the session with managed-session-policies instead');
    }
  }
  const policyArns = wordList(stringParam(raw, env, 'managed-session-policies'));
  for (const arn of policyArns) {
    if (!POLICY_ARN.test(arn)) throw new ParamError('managed-session-policies', arn, 'is not an IAM managed policy ARN', 'use arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<name>');
  }
  if (policyArns.length > 10) throw new ParamError('managed-session-policies', `${policyArns.length} ARNs`, 'has more than 10 ARNs, the most STS accepts', 'pass at most 10');
  const allowedAccountIds = kindListParam(raw, env, 'allowed-account-ids', 'accountId');
  const own = parseTags(stringParam(raw, env, 'session-tags'));
  const defaults = boolParam(raw, env, 'circleci-session-tags', true) ? circleciTags(env).filter((t) => !own.some((o) => o.key === t.key)) : [];
  const tags = [...defaults, ...own];
  if (tags.length > 50) throw new ParamError('session-tags', `${tags.length} tags`, 'has more than 50 tags, the most STS accepts', 'pass fewer tags');
  const transitiveTagKeys = commaList(stringParam(raw, env, 'transitive-tag-keys'));
  for (const k of transitiveTagKeys) {
    if (!tags.some((t) => t.key === k)) throw new ParamError('transitive-tag-keys', k, 'is not the key of a session tag', 'list keys of session-tags (or of the circleci: tags)');
  }
  const sourceIdentity = stringParam(raw, env, 'source-identity');
  if (sourceIdentity !== '' && (!SOURCE_IDENTITY.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))) {
    throw new ParamError('source-identity', sourceIdentity, 'must be 2 to 64 characters of letters, digits and +=,.@_-', 'use e.g. the CircleCI username');
  }
  return { ...(policyText ? { policy: policyText } : {}), policyArns, allowedAccountIds, tags, transitiveTagKeys, ...(sourceIdentity ? { sourceIdentity } : {}) };
}
