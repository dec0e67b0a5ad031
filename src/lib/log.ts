// Step output with redaction: every line passes through the secrets this process knows, whole and in part.

/** A value never to be printed: the variable it came from ($AWS_SECRET_ACCESS_KEY), when known, and whether it is a key id. */
export interface Secret { readonly value: string; label: string | undefined; readonly keyId: boolean }

/**
 * Values shorter than this are not masked: no key, token or password that AWS, CircleCI or ECR issue is
 * that short, and masking `true` or `main` would hide ordinary words.
 */
export const MIN_SECRET = 8;
/** A base64 run this long (either alphabet, percent-encoded or not) that is also inside a secret is masked wherever it shows. */
export const MIN_PART = 16;

/** AWS access key ids: AKIA (long-term) and ASIA (session) keys. */
const KEY_ID = /^A[KS]IA[A-Z0-9]{12,124}$/;

/**
 * True for a variable that holds a secret: the AWS keys, CircleCI's OIDC tokens, and any name with a word
 * SECRET, TOKEN, PASSWORD, PASSWD, PASSPHRASE, API_KEY or PRIVATE_KEY (GITHUB_TOKEN, DB_PASSWORD), except
 * the orb's own ORB_PARAM_* and names that say where a secret is (_FILE, _PATH, _DIR, _URL, _URI, _ARN, ...).
 */
export function isSecretName(name: string): boolean {
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and CIRCLE_OIDC_TOKEN(_V2) have the words; the key id does not.
  if (name === 'AWS_ACCESS_KEY_ID') return true;
  if (/^ORB_PARAM_|_(FILE|PATH|DIR|URL|URI|ARN|ENDPOINT|EXPIRATION|SOURCE)$/i.test(name)) return false;
  return /(^|_)(SECRETS?|TOKENS?|PASSWORDS?|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY)(_|$)/i.test(name);
}

// One character of a base64 run as text may carry it: either alphabet (a JWT's is base64url), padding,
// percent-encoded + / = (a form or URL), or JSON's escaped slash. A line break (and indentation) may split a run.
const UNIT = String.raw`[\w+/=-]|%(?:2[BbFf]|3[Dd])|\\/`;
const RUN = new RegExp(`(?:${UNIT})+(?:\\r?\\n[ \\t]*(?:${UNIT})+)*`, 'g');
const ONE = new RegExp(UNIT, 'g');

/** A run in one alphabet (+ and /, no padding, decoded), with where each of its characters is in the run. */
function normalised(run: string): { text: string; from: number[]; to: number[] } {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  for (const m of run.matchAll(ONE)) {
    const u = m[0].length === 1 ? m[0] : m[0] === '\\/' ? '/' : decodeURIComponent(m[0]);
    if (u === '=') continue;
    text += u === '-' ? '+' : u === '_' ? '/' : u;
    from.push(m.index);
    to.push(m.index + m[0].length);
  }
  return { text, from, to };
}

/** [start, end) of text where a secret is, with the secret. */
type Span = [start: number, end: number, secret: Secret];

/**
 * The secrets one process knows. A secret is found in text whole (also percent-encoded), and in part:
 * any MIN_PART characters of one of its base64 runs, so each part of a JWT (header, payload, signature),
 * a slice of a session token, the url-safe form of a standard one, a %2B-encoded one, or one split over a
 * line break within one text.
 */
export class Secrets {
  private readonly all = new Map<string, Secret>();
  /** Each secret as text may carry it whole: as it is, and percent-encoded. */
  private readonly forms: [form: string, secret: Secret][] = [];
  private readonly parts = new Map<string, Secret>();

  /** Registers a value (ignored below MIN_SECRET characters); `label` names the variable it came from. */
  add(value: string | undefined, label?: string): void {
    if (!value || value.length < MIN_SECRET) return;
    const known = this.all.get(value);
    if (known) {
      known.label ??= label;
      return;
    }
    const s: Secret = { value, label, keyId: label === '$AWS_ACCESS_KEY_ID' || KEY_ID.test(value) };
    this.all.set(value, s);
    for (const form of new Set([value, encodeURIComponent(value)])) this.forms.push([form, s]);
    for (const m of value.matchAll(RUN)) {
      const { text } = normalised(m[0]);
      for (let i = 0; i + MIN_PART <= text.length; i++) {
        const part = text.slice(i, i + MIN_PART);
        if (!this.parts.has(part)) this.parts.set(part, s);
      }
    }
  }

  /** Registers the values of the secret variables of `env` (isSecretName), each labelled $NAME. */
  addEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) if (isSecretName(name)) this.add(value, `$${name}`);
  }

  /** Where secrets are in `text`, in no order. */
  private spans(text: string): Span[] {
    const out: Span[] = [];
    for (const [form, s] of this.forms) {
      for (let i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + 1)) out.push([i, i + form.length, s]);
    }
    if (this.parts.size === 0) return out;
    for (const m of text.matchAll(RUN)) {
      const n = normalised(m[0]);
      for (let i = 0; i + MIN_PART <= n.text.length; i++) {
        const s = this.parts.get(n.text.slice(i, i + MIN_PART));
        if (s) out.push([m.index + n.from[i]!, m.index + n.to[i + MIN_PART - 1]!, s]);
      }
    }
    return out;
  }

  /** The first secret (whole or in part) in `text`, if any. */
  find(text: string): Secret | undefined {
    return this.spans(text).sort((a, b) => a[0] - b[0])[0]?.[2];
  }

  /** `text` with every secret (whole or in part) replaced by ****; line breaks inside one are kept. */
  redact(text: string): string {
    const spans = this.spans(text).sort((a, b) => a[0] - b[0]);
    let out = '';
    let at = 0;
    for (let i = 0; i < spans.length;) {
      const start = spans[i]![0];
      let end = spans[i]![1];
      for (; i < spans.length && spans[i]![0] <= end; i++) end = Math.max(end, spans[i]![1]);
      // base64 padding after the masked run goes with it (at most two characters).
      for (let pad = 0; pad < 2 && text[end] === '='; pad++) end++;
      out += text.slice(at, start) + text.slice(start, end).replace(/[^\r\n]+/g, '****');
      at = end;
    }
    return out + text.slice(at);
  }
}

/** The secrets of this process: its environment's, and every one learned since. Logs share it by default. */
export const processSecrets = new Secrets();

/** Writes output; anything registered as secret is replaced before it is written. */
export class Log {
  readonly secrets: Secrets;
  private readonly writeError: (text: string) => void;

  /** `write` takes notes (info); `opts.error` takes failures (default `write`); `opts.secrets` defaults to the process's. */
  constructor(private readonly write: (text: string) => void, opts: { error?: (text: string) => void; secrets?: Secrets } = {}) {
    this.secrets = opts.secrets ?? processSecrets;
    this.writeError = opts.error ?? write;
  }

  /** Registers values that must never appear in output (learned at run time: keys, tokens, passwords). */
  secret(...values: (string | undefined)[]): void {
    for (const v of values) this.secrets.add(v);
  }

  /** Replaces every registered secret in `text`, whole or in part. */
  redact(text: string): string {
    return this.secrets.redact(text);
  }

  /** One line of notes. */
  info(line: string): void {
    this.write(this.redact(line) + '\n');
  }

  /** Failure text (one line or more), ending with a line break. */
  error(text: string): void {
    this.writeError(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }
}

/** Shows at most the last four characters of a key id: ****ABCD. */
export function maskKeyId(id: string): string {
  return `****${id.slice(-4)}`;
}

/**
 * Node's own debug logging, switched off for every process that runs the runtime: NODE_DEBUG=http (or net,
 * child_process) makes Node print request headers and child environments, session tokens and keys among
 * them, which CircleCI cannot mask (they are minted in the job). Set as `NAME=` assignments before node.
 * https://nodejs.org/api/cli.html#node_debugmodule
 */
export const NODE_DEBUG_OFF = 'NODE_DEBUG= NODE_DEBUG_NATIVE=';
