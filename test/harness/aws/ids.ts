// Random identifiers in the shapes AWS issues, so clients' format checks and redaction see real-looking values.
import { randomBytes, randomInt } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';

function pick(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** An access key id: `AKIA` for long-term user keys, `ASIA` for temporary ones, then 16 base32 chars. */
export const newAccessKeyId = (prefix: 'AKIA' | 'ASIA'): string => prefix + pick(BASE32, 16);

/** A 40-character secret access key. */
export const newSecretAccessKey = (): string => pick(SECRET_CHARS, 40);

/** A unique id for an IAM entity: `AIDA` users, `AROA` roles, then 17 characters. */
export const newUniqueId = (prefix: 'AIDA' | 'AROA'): string => prefix + pick(ALNUM_UPPER, 17);

/** An opaque session token, a few hundred characters of base64 like STS's own. */
export const newSessionToken = (): string =>
  // Real tokens begin with the same serialised header bytes; mimic that so they look familiar in dumps.
  Buffer.concat([Buffer.from('!\n\torigin_ec\u0010\u0000'), randomBytes(360)]).toString('base64');
