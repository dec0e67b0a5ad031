// Splitting extra build arguments into words as a POSIX shell would (src/lib/shell-words.ts): what each
// quoting form keeps, where words end, what the expander sees, and the errors for unclosed quotes.
import { describe, expect, it } from 'vitest';
import { OrbError } from '../../../src/lib/errors.ts';
import { shellWords } from '../../../src/lib/shell-words.ts';

/** The error `shellWords` throws for `text`, as message and hint. */
function refusal(text: string, what?: string): { message: string; hint: string | undefined } {
  try {
    shellWords(text, what);
  } catch (err) {
    expect(err).toBeInstanceOf(OrbError);
    return { message: (err as OrbError).message, hint: (err as OrbError).hint };
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('shellWords: where words end', () => {
  it('splits on runs of blanks, tabs and newlines, with no empty word before, between or after', () => {
    expect(shellWords('a b')).toEqual(['a', 'b']);
    expect(shellWords('  --pull \t --no-cache\n\n-q  ')).toEqual(['--pull', '--no-cache', '-q']);
    expect(shellWords(' a')).toEqual(['a']);
    expect(shellWords('a ')).toEqual(['a']);
    expect(shellWords('')).toEqual([]);
    expect(shellWords(' \t\n')).toEqual([]);
  });

  it('keeps quoted and escaped parts of one word together, and an empty quoted word as a word', () => {
    expect(shellWords(`--label a'b c'd"e f"g`)).toEqual(['--label', 'ab cde fg']);
    expect(shellWords(`'' ""`)).toEqual(['', '']);
    expect(shellWords('a\\ b c')).toEqual(['a b', 'c']);
    // An escaped blank alone is a word of one blank.
    expect(shellWords('\\ ')).toEqual([' ']);
    expect(shellWords('x \\ ')).toEqual(['x', ' ']);
  });
});

describe('shellWords: quoting', () => {
  it('keeps everything inside single quotes, backslashes and dollars included', () => {
    expect(shellWords(`'a\\b $X "c"'`)).toEqual(['a\\b $X "c"']);
  });

  it('lets a backslash in double quotes escape only " \\ $ and `, and keeps it before anything else', () => {
    expect(shellWords('"a\\"b\\\\c\\$d\\`e"')).toEqual(['a"b\\c$d`e']);
    expect(shellWords('"a\\nb\\\'c"')).toEqual(["a\\nb\\'c"]);
    // A backslash as the last character inside the quotes: the quote still closes the word.
    expect(shellWords('"a\\\\" b')).toEqual(['a\\', 'b']);
  });

  it('outside quotes a backslash escapes the next character; before a newline it joins the lines', () => {
    expect(shellWords('\\"a\\\'b\\$c')).toEqual(['"a\'b$c']);
    expect(shellWords('--build-arg A=1 \\\n--pull')).toEqual(['--build-arg', 'A=1', '--pull']);
    expect(shellWords('ab\\\ncd')).toEqual(['abcd']);
    // A backslash at the very end escapes nothing and adds nothing.
    expect(shellWords('ab\\')).toEqual(['ab']);
    expect(shellWords('\\')).toEqual(['']);
  });
});

describe('shellWords: expansion', () => {
  it('hands the expander unquoted and double-quoted runs whole, never single-quoted or escaped text, and does not split its result', () => {
    const seen: string[] = [];
    const expand = (run: string): string => { seen.push(run); return run.replaceAll('$X', 'one two'); };
    expect(shellWords(`$X "$X-y" '$X' \\$X`, 'extra-build-args', expand)).toEqual(['one two', 'one two-y', '$X', '$X']);
    // After an escaped $ only the plain X is left to expand.
    expect(seen.filter((r) => r !== '')).toEqual(['$X', '$X-y', 'X']);
    expect(seen.every((r) => !r.includes("'"))).toBe(true);
  });

  it('expands a name that an escaped character follows before that character, not cut in two', () => {
    const expand = (run: string): string => run.replaceAll('$AB', 'ok');
    expect(shellWords('$AB\\c "$AB\\$"', 'p', expand)).toEqual(['okc', 'ok$']);
  });
});

describe('shellWords: unclosed quotes', () => {
  it('names the parameter and says how to fix an unclosed single quote', () => {
    expect(refusal(`--label 'a b`, 'parameter extra-build-args')).toEqual({
      message: 'parameter extra-build-args has an unclosed single quote', hint: 'close the quote, or escape it with \\',
    });
    // The quote's position does not matter, first character or not.
    expect(refusal(`'`).message).toBe('the value has an unclosed single quote');
    expect(refusal(`a'`).message).toBe('the value has an unclosed single quote');
  });

  it('names the parameter and says how to fix an unclosed double quote, an escaped closing quote included', () => {
    expect(refusal('"a b', 'parameter extra-build-args')).toEqual({
      message: 'parameter extra-build-args has an unclosed double quote', hint: 'close the quote, or escape it with \\',
    });
    expect(refusal('"a\\"').message).toBe('the value has an unclosed double quote');
    expect(refusal('"a\\').message).toBe('the value has an unclosed double quote');
  });
});
