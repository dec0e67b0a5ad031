// Surviving mutants of the security-relevant files that no test can kill, because the mutated code
// behaves the same (equivalent mutants), each with the reason. `npm run mutation` fails on a survivor
// in those files that is not here, and on an entry here that matches no survivor any more.
import type { Explained } from './score.ts';

export const EXPLAINED: Explained[] = [];
