// Splitting a string into words the way a POSIX shell would, without running anything: quotes and
// backslashes are honoured; $VAR and ${VAR} are expanded by the caller's function outside single quotes;
// $(...), backticks, globs, ;, | and redirections are plain characters.
import { OrbError } from './errors.ts';

/**
 * Words of `text`: whitespace separates; '...' keeps everything literally; "..." keeps everything but
 * lets \ escape " \ $ and `; outside quotes \ escapes the next character. `expand` gets each run of
 * unquoted or double-quoted text (not single-quoted, not a backslash-escaped character, so '$X' and \$X stay
 * literal) and returns it expanded; its result is never split again. An unclosed quote is an error.
 */
export function shellWords(text: string, what = 'the value', expand = (run: string) => run): string[] {
  const words: string[] = [];
  let word = '';
  // Text that expand() has yet to see: it is expanded whole, so a $NAME is never cut in two.
  let run = '';
  let inWord = false;
  const flush = (literal = ''): string => { word += expand(run) + literal; run = ''; return word; };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new OrbError(`${what} has an unclosed single quote`, 'close the quote, or escape it with \\');
      flush(text.slice(i + 1, end));
      inWord = true;
      i = end;
    } else if (c === '"') {
      flush();
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) flush(text[++j]);
        else run += text[j];
      }
      if (j >= text.length) throw new OrbError(`${what} has an unclosed double quote`, 'close the quote, or escape it with \\');
      flush();
      inWord = true;
      i = j;
    } else if (c === '\\') {
      flush(i + 1 < text.length && text[i + 1] !== '\n' ? text[i + 1] : '');
      inWord = true;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(flush());
      word = '';
      inWord = false;
    } else {
      run += c;
      inWord = true;
    }
  }
  if (inWord) words.push(flush());
  return words;
}
