// Surviving mutants of the security-relevant files that no test can kill, because the mutated code
// behaves the same (equivalent mutants), each with the reason. `npm run mutation` fails on a survivor
// in those files that is not here, and on an entry here that matches no survivor any more.
import type { Explained } from './score.ts';

export const EXPLAINED: Explained[] = [
  { file: 'src/lib/bash-env.ts', line: 55, mutator: 'OptionalChaining', replacement: 'process.getuid()', why: 'process.getuid exists on every POSIX system the runtime runs on (the ?. is for Windows, where no step runs)' },
  { file: 'src/lib/bash-env.ts', line: 75, mutator: 'StringLiteral', replacement: '""', why: 'Buffer.from(text, \'\') encodes as UTF-8, the default, the same bytes as \'utf8\'' },
  { file: 'src/lib/grammar.ts', line: 55, mutator: 'Regex', replacement: '/[\\s,]/', why: 'splitting at each separator instead of each run of them only adds empty items, which the filter drops' },
  { file: 'src/lib/grammar.ts', line: 63, mutator: 'Regex', replacement: '/[\\r\\n,]/', why: 'splitting at each separator instead of each run of them only adds empty items, which the filter drops' },
  { file: 'src/lib/params.ts', line: 27, mutator: 'StringLiteral', replacement: '""', why: 'a ParamSource is told apart by from === \'step\' only, so any other tag reads the flags' },
];
