// Session controls: an inline session policy, managed session policy ARNs, and the accounts the
// final credentials may belong to.
import { ParamError } from '../../lib/errors.ts';
import { stringParam, type Env, type RawParams } from '../../lib/params.ts';

/** The parsed controls; policies apply to the hop whose credentials are exported (the last one). */
export interface SessionControls { policy?: string; policyArns: string[]; allowedAccountIds: string[] }

const POLICY_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;

/** Splits a list written one per line or comma-separated. */
function list(text: string): string[] {
  return text.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses session-policy, managed-session-policies and allowed-account-ids. */
export function parseSessionControls(raw: RawParams, env: Env): SessionControls {
  const policyText = stringParam(raw, env, 'session-policy');
  if (policyText !== '') {
    try {
      const doc = JSON.parse(policyText) as unknown;
      if (typeof doc !== 'object' || doc === null || !('Statement' in doc)) throw new Error('no Statement');
    } catch {
      throw new ParamError('session-policy', policyText.slice(0, 60), 'is not an IAM policy document in JSON', 'give a JSON document with Version and Statement');
    }
  }
  const policyArns = list(stringParam(raw, env, 'managed-session-policies'));
  for (const arn of policyArns) {
    if (!POLICY_ARN.test(arn)) throw new ParamError('managed-session-policies', arn, 'is not an IAM managed policy ARN', 'use arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<name>');
  }
  if (policyArns.length > 10) throw new ParamError('managed-session-policies', `${policyArns.length} ARNs`, 'has more than 10 ARNs, the most STS accepts', 'pass at most 10');
  const allowedAccountIds = list(stringParam(raw, env, 'allowed-account-ids'));
  for (const id of allowedAccountIds) {
    if (!/^\d{12}$/.test(id)) throw new ParamError('allowed-account-ids', id, 'is not a 12-digit AWS account id', 'list account ids separated by commas or lines');
  }
  return { ...(policyText ? { policy: policyText } : {}), policyArns, allowedAccountIds };
}
