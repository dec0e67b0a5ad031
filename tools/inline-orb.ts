// Puts the packed orb inline into a config, for trying the orb on CircleCI before it is in the orb registry:
// each top-level `orbs:` entry that references aws-oidc (`<namespace>/aws-oidc@<version>`, or a URL orb) becomes the
// body of dist/orb.yml. Without a config, prints an `orbs:` block with the orb inline, to paste into one.
// CLI: npx tsx tools/inline-orb.ts [config.yml] [--orb dist/orb.yml] > config-with-inline-orb.yml
// https://circleci.com/docs/orbs/author/create-an-inline-orb/
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';

// The same writer settings as tools/pack.ts's stringifyOrb: block literals, no folding, YAML 1.1-safe quoting.
const WRITE = { lineWidth: 0, blockQuote: 'literal' } as const;

/** True for the references that stand for this orb: `<namespace>/aws-oidc@<version>`, or an https URL whose path names aws-oidc or ends in /orb.yml. */
export function isAwsOidcRef(ref: string): boolean {
  if (/^[a-z0-9_-]+\/aws-oidc@\S+$/.test(ref)) return true;
  if (!/^https:\/\/\S+$/.test(ref)) return false;
  const pathname = new URL(ref).pathname;
  return pathname.includes('aws-oidc') || pathname.endsWith('/orb.yml');
}

function yamlDocument(text: string, what: string): Document {
  const doc = parseDocument(text, { version: '1.1', merge: true });
  if (doc.errors.length > 0) throw new Error(`${what} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

/**
 * `configText` with every top-level orbs entry that references aws-oidc replaced by the packed orb `orbText` (the other
 * entries, keys and comments kept); the result re-parses to the same config with the orb as a map. Throws when the
 * config has no such entry.
 */
export function inlineOrb(configText: string, orbText: string): string {
  const doc = yamlDocument(configText, 'the config');
  const orb = yamlDocument(orbText, 'the packed orb').contents;
  const orbs = doc.get('orbs', true);
  if (!isMap(orbs)) throw new Error('the config has no orbs: map; add orbs: {aws-oidc: aws-oidc/aws-oidc@0.1.0} where the orb should go');
  let replaced = 0;
  for (const pair of orbs.items) {
    if (isScalar(pair.value) && typeof pair.value.value === 'string' && isAwsOidcRef(pair.value.value)) {
      pair.value = orb!.clone();
      replaced++;
    }
  }
  if (replaced === 0) throw new Error('no orbs: entry of the config references aws-oidc (<namespace>/aws-oidc@<version>, or a URL ending in /orb.yml)');
  orbs.flow = false; // a block inside a flow map {...} would be written in flow style
  return doc.toString(WRITE);
}

/** An `orbs:` block with the packed orb inline under `alias`. */
export function inlineOrbsBlock(orbText: string, alias = 'aws-oidc'): string {
  return inlineOrb(`orbs:\n  ${alias}: aws-oidc/aws-oidc@0.1.0\n`, orbText);
}

function main(argv: string[]): number {
  const at = argv.indexOf('--orb');
  const orbPath = at >= 0 ? argv[at + 1] : 'dist/orb.yml';
  const rest = at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv;
  if (!orbPath || rest.length > 1 || rest.some((a) => a.startsWith('-'))) {
    console.error('usage: npx tsx tools/inline-orb.ts [config.yml] [--orb dist/orb.yml] > config-with-inline-orb.yml');
    return 2;
  }
  try {
    const orbText = readFileSync(orbPath, 'utf8');
    process.stdout.write(rest[0] ? inlineOrb(readFileSync(rest[0], 'utf8'), orbText) : inlineOrbsBlock(orbText));
    return 0;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    console.error(`inline-orb: ${err.code === 'ENOENT' ? `${err.path} does not exist${err.path === orbPath ? ': run npm run pack first' : ''}` : err.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
