// SIZE rule: measures each packed command's inlined run-step text against its budget.
import { parse } from 'yaml';
import { COMPILED_CONFIG_LIMIT_BYTES, budgetFor } from './budget.ts';
import { escapeIncluded } from './include.ts';
import type { Finding } from './findings.ts';
import { walkSteps } from './invocation.ts';
import { isMap } from './source.ts';

/** One command's inlined size and what it means for the 8 MB compiled-config limit. */
export interface CommandSize {
  command: string;
  bytes: number;
  budget: number;
  /** How many uses of the command fit in one compiled config, counting only this command's text. */
  usesPerConfig: number;
}

/**
 * The bytes a generated script takes once the packer inlines it (every `<<` escaped to `\<<`, tools/orb/include.ts):
 * what `npm run build` prints per command and what the bench reports, the same number the SIZE rule measures in
 * dist/orb.yml. A script's file is smaller by one byte per `<<`.
 */
export const inlinedBytes = (script: string): number => Buffer.byteLength(escapeIncluded(script), 'utf8');

/** Measures every command of a packed orb: the UTF-8 bytes of its run steps' `command` text. */
export function measureCommands(packedText: string): CommandSize[] {
  const packed = parse(packedText) as unknown;
  const commands = isMap(packed) && isMap(packed['commands']) ? packed['commands'] : {};
  return Object.entries(commands).map(([command, body]) => {
    let bytes = 0;
    walkSteps(isMap(body) ? body['steps'] : undefined, [], (step) => {
      if (step.name !== 'run' || step.bare) return;
      // A string-form run step (`- run: echo hi`) carries its command as the value itself.
      const text = typeof step.value === 'string' ? step.value : step.args['command'];
      if (typeof text === 'string') bytes += Buffer.byteLength(text, 'utf8');
    });
    return { command, bytes, budget: budgetFor(command), usesPerConfig: bytes === 0 ? Infinity : Math.floor(COMPILED_CONFIG_LIMIT_BYTES / bytes) };
  });
}

/** Reports every command whose inlined text exceeds its budget. */
export function checkSize(packedText: string, packedWhere: string): Finding[] {
  return measureCommands(packedText)
    .filter((s) => s.bytes > s.budget)
    .map((s) => ({
      rule: 'SIZE',
      where: `${packedWhere}:/commands/${s.command}`,
      message: `inlined run-step text is ${s.bytes} bytes, over its budget of ${s.budget} bytes (tools/orb/budget.ts); only ${s.usesPerConfig} uses fit in CircleCI's 8 MB compiled config`,
    }));
}
