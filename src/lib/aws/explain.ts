// The words a failed ECR call of a step is reported with: the call, where it went, AWS's answer (or the
// network failure), what the retries tried, and the fix. Every command that calls ECR reports through it.
import { OrbError } from '../errors.ts';
import { retrySummary, withRetry, type RetryDeps, type RetryPolicy } from '../retry.ts';
import { awsErrorInfo, failureKind, networkCode, NOT_AWS_HINT } from './errors.ts';

/**
 * A failed AWS call of the step as it is reported: the call, where, AWS's answer (or the network
 * failure), what the retries tried, and the fix. Errors that are no AWS answer pass through unchanged.
 */
export function explainAwsCall(call: string, where: string, err: unknown): unknown {
  if (err instanceof OrbError) return err;
  const e = awsErrorInfo(err);
  const net = networkCode(err);
  const tried = retrySummary(err);
  const isNet = net !== undefined;
  if (e.status === undefined && !isNet) return err;
  const kind = failureKind(err);
  if (kind === 'accessDenied') {
    return new OrbError(`${call} ${where} was refused: ${e.message}`,
      `allow ecr:${call} to the role (for another account's registry, also in the repository's policy), or use the profile-name of an identity that may`);
  }
  const what = isNet ? `${net}: ${e.message}` : `${e.code}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}`;
  return new OrbError(`${call} ${where} failed: ${what}${tried ? `; ${tried}` : ''}`,
    tried ? 'AWS kept failing within retry-max-attempts and retry-max-seconds: re-run the job, or raise retry-max-seconds'
      : kind === 'notAws' ? NOT_AWS_HINT : 'run the step again with ORB_DEBUG=1 for details');
}


/** `send`, retried within `policy`, and when it still fails, reported by explainAwsCall as `what` `where`. */
export function explainedRetry(policy: RetryPolicy, deps: RetryDeps): <T>(what: string, where: string, send: () => Promise<T>) => Promise<T> {
  return (what, where, send) => withRetry(what, policy, deps, send).catch((err: unknown) => { throw explainAwsCall(what, where, err); });
}
