// Parameters for the parsers in tests: a step's ORB_PARAM_* variables from the orb's parameter names.
import { paramEnvName, stepParams, type ParamSource } from '../../src/lib/params.ts';

/** The ORB_PARAM_* variables a run step would set for these parameters: { 'role-arn': x } -> { ORB_PARAM_ROLE_ARN: x }. */
export function orbEnv(p: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [paramEnvName(k), v]));
}

/** A step's parameter source holding these parameters (by their orb names). */
export function orbParams(p: Readonly<Record<string, string>> = {}): ParamSource {
  return stepParams(orbEnv(p));
}
