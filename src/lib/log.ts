// Step output with redaction: every line passes through the list of secrets seen so far.

/** Writes step output; anything registered as secret is replaced before it is written. */
export class Log {
  private readonly secrets = new Set<string>();
  constructor(private readonly write: (text: string) => void) {}

  /** Registers values that must never appear in output. */
  secret(...values: (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= 4) this.secrets.add(v);
  }

  /** Replaces every registered secret in `text`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('****');
    return out;
  }

  info(line: string): void {
    this.write(this.redact(line) + '\n');
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
