// Orb checks CLI: npx tsx tools/check-orb.ts [srcDir=src/orb] [packed=dist/orb.yml]
// Prints one line per finding (`<RULE> <where>: <message>`) and exits 1, or a summary and exits 0.
// Uses the packed file when it exists, else packs in memory. CIRCLE_TAG=vX.Y.Z enables RC011.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILED_CONFIG_LIMIT_BYTES } from './orb/budget.ts';
import { checkOrb } from './orb/check.ts';
import { formatFinding } from './orb/findings.ts';
import { REVIEW_RULES } from './orb/review.ts';
import { measureCommands } from './orb/size.ts';
import { WIRING_RULES } from './orb/wiring.ts';
import { packOrb } from './pack.ts';

export { checkOrb } from './orb/check.ts';
export type { CheckOrbOptions } from './orb/check.ts';
export type { Finding } from './orb/findings.ts';

const MB = COMPILED_CONFIG_LIMIT_BYTES / (1024 * 1024);

function sizeLines(packedText: string): string[] {
  return measureCommands(packedText).map(
    (s) => `size ${s.command}: ${s.bytes} bytes inlined (budget ${s.budget}); ${s.usesPerConfig} uses fit in the ${MB} MB compiled-config limit`,
  );
}

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const [srcDir = 'src/orb', packedPath = 'dist/orb.yml'] = argv;
  const packedText = existsSync(packedPath) ? readFileSync(packedPath, 'utf8') : undefined;
  const tag = env['CIRCLE_TAG'];
  const findings = checkOrb({
    srcDir,
    packedWhere: packedText === undefined ? `${srcDir} (packed in memory)` : packedPath,
    ...(packedText === undefined ? {} : { packedText }),
    ...(tag ? { releaseTag: tag } : {}),
  });
  let text = packedText;
  if (text === undefined) {
    try {
      text = packOrb(srcDir);
    } catch {
      text = undefined; // the PACK finding already says why
    }
  }
  if (text !== undefined) for (const line of sizeLines(text)) console.log(line);
  for (const f of findings) console.log(formatFinding(f));
  if (findings.length > 0) {
    console.log(`${findings.length} finding(s) in ${srcDir}`);
    return 1;
  }
  const rc011 = tag && /^v\d+\.\d+\.\d+$/.test(tag) ? 'RC011' : 'RC011 skipped (no release tag in CIRCLE_TAG)';
  const rules = REVIEW_RULES.map((r) => (r === 'RC011' ? rc011 : r)).join(', ');
  console.log(`orb checks passed for ${srcDir}: SCHEMA, SEM001-SEM009, ${rules}, ${WIRING_RULES[0]}-${WIRING_RULES[WIRING_RULES.length - 1]}, SIZE; RC010 (snake_case names) is off on purpose: our names are kebab-case`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
