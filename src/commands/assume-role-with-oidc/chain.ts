// The role-chain parameter: the sts:AssumeRole hops taken after the web-identity hop (scenario S4).
import { ParamError } from '../../lib/errors.ts';
import { expandVars, type Env } from '../../lib/params.ts';
import { isKind, KINDS } from '../../lib/grammar.ts';

/** One chained hop. */
export interface ChainHop { roleArn: string; externalId?: string; sessionName?: string }

// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (ExternalId: 2-1224 of [\w+=,.@:/-])
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const FIX = 'write one hop per line: <role ARN> [external-id=<id>] [session-name=<name>]';

/**
 * Parses one hop per line; blank lines and # comments are skipped. Values may name env vars
 * (external-id=${PARTNER_EXTERNAL_ID}), expanded without eval. Errors name the line of `param` (role-chain, or the CLI's --role-chain).
 */
export function parseChain(text: string, env: Env, param = 'role-chain'): ChainHop[] {
  const hops: ChainHop[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${param} (line ${i + 1})`;
    const [arnWord = '', ...rest] = line.split(/\s+/);
    const roleArn = expandVars(where, arnWord, env);
    if (!isKind('roleArn', roleArn)) throw new ParamError(where, roleArn, `is not ${KINDS.roleArn.what}`, FIX);
    const hop: ChainHop = { roleArn };
    for (const word of rest) {
      const eq = word.indexOf('=');
      const key = eq > 0 ? word.slice(0, eq) : word;
      const value = expandVars(where, eq > 0 ? word.slice(eq + 1) : '', env);
      if (key === 'external-id' && EXTERNAL_ID.test(value)) hop.externalId = value;
      else if (key === 'session-name' && isKind('sessionName', value)) hop.sessionName = value;
      else throw new ParamError(where, word, key === 'external-id' || key === 'session-name' ? `has an invalid ${key}` : `has an unknown option ${key}`, FIX);
    }
    hops.push(hop);
  });
  return hops;
}
