// Splitting a string into words the way a POSIX shell would, without running anything: quotes and
// backslashes are honoured; $, backticks, globs, ;, | and redirections are plain characters.
import { OrbError } from './errors.ts';

/**
 * Words of `text`: whitespace separates; '...' keeps everything literally; "..." keeps everything but
 * lets \ escape " \ $ and `; outside quotes \ escapes the next character. An unclosed quote is an error.
 */
export function shellWords(text: string, what = 'the value'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new OrbError(`${what} has an unclosed single quote`, 'close the quote, or escape it with \\');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j++;
        word += text[j];
      }
      if (j >= text.length) throw new OrbError(`${what} has an unclosed double quote`, 'close the quote, or escape it with \\');
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') word += text[i + 1];
      inWord = true;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
