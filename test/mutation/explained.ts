// Surviving mutants of the security-relevant files that no test can kill, because the mutated code
// behaves the same (equivalent mutants), each with the reason. `npm run mutation` fails on a survivor
// in those files that is not here, and on an entry here that matches no survivor any more.
import type { Explained } from './score.ts';

export const EXPLAINED: Explained[] = [
  { file: 'src/lib/aws/credentials.ts', line: 57, mutator: 'ConditionalExpression', replacement: 'true', why: 'the SDK\'s INI parser keeps no empty value (a bare "key =" opens a sub-section), so no setting it returns is \'\'' },
  { file: 'src/lib/aws/credentials.ts', line: 57, mutator: 'StringLiteral', replacement: '"Stryker was here!"', why: 'the SDK\'s INI parser keeps no empty value (a bare "key =" opens a sub-section), so no setting it returns is \'\'' },
  { file: 'src/lib/aws/files.ts', line: 13, mutator: 'StringLiteral', replacement: '""', why: 'join(\'\', \'.aws\') and join(\'.\', \'.aws\') are the same path, .aws' },
  { file: 'src/lib/aws/files.ts', line: 22, mutator: 'BooleanLiteral', replacement: 'true', why: 'before the first header nothing is kept either way: a pair is kept only once a matching section was found' },
  { file: 'src/lib/aws/files.ts', line: 26, mutator: 'ConditionalExpression', replacement: 'false', why: 'an empty line is no header and has no =, so it is skipped all the same' },
  { file: 'src/lib/aws/files.ts', line: 26, mutator: 'StringLiteral', replacement: '"Stryker was here!"', why: 'an empty line is no header and has no =, so it is skipped all the same' },
  { file: 'src/lib/aws/files.ts', line: 61, mutator: 'EqualityOperator', replacement: 'end <= lines.length', why: 'past the last line the loop stops one later; slicing from one past the end gives the same empty rest' },
  { file: 'src/lib/aws/files.ts', line: 63, mutator: 'OptionalChaining', replacement: 'lines[end - 1].trim', why: 'end - 1 is at least the header\'s index, so that line always exists' },
  { file: 'src/lib/aws/files.ts', line: 110, mutator: 'StringLiteral', replacement: '"Stryker was here!"', why: 'the start value of a lock that is no regular file: a word that is no pid counts like no text, the lock is judged by its age' },
  { file: 'src/lib/aws/files.ts', line: 118, mutator: 'StringLiteral', replacement: '"Stryker was here!"', why: 'split always gives at least one item, so pid is never undefined and the fallback never used' },
  { file: 'src/lib/bash-env.ts', line: 55, mutator: 'OptionalChaining', replacement: 'process.getuid()', why: 'process.getuid exists on every POSIX system the runtime runs on (the ?. is for Windows, where no step runs)' },
  { file: 'src/lib/bash-env.ts', line: 75, mutator: 'StringLiteral', replacement: '""', why: 'Buffer.from(text, \'\') encodes as UTF-8, the default, the same bytes as \'utf8\'' },
  { file: 'src/lib/grammar.ts', line: 55, mutator: 'Regex', replacement: '/[\\s,]/', why: 'splitting at each separator instead of each run of them only adds empty items, which the filter drops' },
  { file: 'src/lib/grammar.ts', line: 63, mutator: 'Regex', replacement: '/[\\r\\n,]/', why: 'splitting at each separator instead of each run of them only adds empty items, which the filter drops' },
  { file: 'src/lib/log.ts', line: 41, mutator: 'ConditionalExpression', replacement: 'false', why: 'a one-character unit of a run is a letter, digit, _, +, /, = or -, which decodeURIComponent returns as it is' },
  { file: 'src/lib/log.ts', line: 78, mutator: 'ArithmeticOperator', replacement: 'i - MIN_PART', why: 'the loop runs on past the last full slice and registers shorter ones, which never match: a text is looked up 16 characters at a time' },
  { file: 'src/lib/log.ts', line: 96, mutator: 'ConditionalExpression', replacement: 'false', why: 'a shortcut: with no slices registered, the loop after it finds none either' },
  { file: 'src/lib/log.ts', line: 99, mutator: 'ArithmeticOperator', replacement: 'i - MIN_PART', why: 'the loop runs on past the last full slice of the text; the slices there are shorter than 16 characters and no registered one is' },
  { file: 'src/lib/params.ts', line: 27, mutator: 'StringLiteral', replacement: '""', why: 'a ParamSource is told apart by from === \'step\' only, so any other tag reads the flags' },
];
