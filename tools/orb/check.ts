// checkOrb: every orb check in one call. Rules:
//   SCHEMA  a source file does not match orb-source.schema.json (or is not valid YAML / not packable)
//   SEM001  `<< parameters.x >>` not declared by that component       SEM002  a step names an unknown command
//   SEM003  wrong arguments to a command/job/executor (unknown, missing required, wrong type)
//   SEM004  a job's executor (or an executor parameter default) does not resolve
//   SEM005  enum default not in the enum    SEM006  bad include (missing file, not the whole value, ...)
//   SEM007  unescaped `<<` that is not an interpolation (e.g. `cat <<EOF` inline)
//   SEM008  an example does not import or use the orb   SEM009  an example names something that does not exist
//   RC001-RC005, RC008, RC009, RC011, RC012  orb-tools review rules (RC010 off on purpose: kebab-case names)
//   PACK    the packer refuses the source         SIZE  a command's inlined script is over its budget
//   WIRE001-WIRE007  declared parameters, the run step's ORB_PARAM_* variables and what the runtime reads
//                    disagree (wiring.ts, wiring-steps.ts)
import path from 'node:path';
import { packOrb } from '../pack.ts';
import { checkExamples } from './examples.ts';
import type { Finding } from './findings.ts';
import { buildModel } from './model.ts';
import { checkReview } from './review.ts';
import { checkSchema } from './schema.ts';
import { checkSemantics } from './semantic.ts';
import { checkSize } from './size.ts';
import { OrbSourceError, loadOrbSource } from './source.ts';
import { checkWiring } from './wiring.ts';

/** What to check: the source dir, optionally the already packed text (else it is packed in memory). */
export interface CheckOrbOptions {
  srcDir: string;
  packedText?: string;
  /** Where packedText came from, for SIZE findings (default `dist/orb.yml`). */
  packedWhere?: string;
  /** The orb's registry name, which examples must import (default `aws-oidc`). */
  orbName?: string;
  /** A release tag like `v1.2.3`; enables RC011 as orb-tools does on tagged builds. */
  releaseTag?: string;
  /** RC009 limit (default 64, as in orb-tools). */
  maxCommandLength?: number;
  /** The project whose src/scripts/ and tools/wrapper.ts the wiring check reads (default: two levels above srcDir). */
  projectRoot?: string;
}

/** The orb's name in the registry; examples import it as `<namespace>/aws-oidc@<version>`. */
export const DEFAULT_ORB_NAME = 'aws-oidc';

function whereOf(message: string): [string, string] {
  const m = /^(\S+?): (.*)$/s.exec(message);
  return m ? [m[1] as string, m[2] as string] : ['.', message];
}

/** Runs every check and returns the findings; an empty list means the orb is clean. */
export function checkOrb(opts: CheckOrbOptions): Finding[] {
  let src;
  try {
    src = loadOrbSource(opts.srcDir);
  } catch (e) {
    if (!(e instanceof OrbSourceError)) throw e;
    const [where, message] = whereOf(e.message);
    return [{ rule: 'SCHEMA', where, message }];
  }
  const orbName = opts.orbName ?? DEFAULT_ORB_NAME;
  const model = buildModel(src);
  const review = { orbName, ...(opts.releaseTag === undefined ? {} : { releaseTag: opts.releaseTag }), ...(opts.maxCommandLength === undefined ? {} : { maxCommandLength: opts.maxCommandLength }) };
  const projectRoot = opts.projectRoot ?? path.resolve(opts.srcDir, '..', '..');
  const findings = [...checkSchema(src), ...checkSemantics(model, opts.srcDir), ...checkExamples(model, orbName), ...checkReview(src, model, review), ...checkWiring(model, { projectRoot })];
  let packed = opts.packedText;
  if (packed === undefined) {
    try {
      packed = packOrb(opts.srcDir);
    } catch (e) {
      // Include problems are already SEM006 findings; report any other refusal of the packer.
      const [where, message] = whereOf((e as Error).message);
      if (!findings.some((f) => f.rule === 'SEM006' && f.where === where)) findings.push({ rule: 'PACK', where, message });
      return findings;
    }
  }
  findings.push(...checkSize(packed, opts.packedWhere ?? 'dist/orb.yml'));
  return findings;
}
