// NO_PROXY matching as curl does it (lib/noproxy.c, CURLOPT_NOPROXY(3)), plus `*.` prefixes and `:port`.
import { BlockList, isIP } from 'node:net';

/** Whether `hostname` is this machine: 127.0.0.0/8, ::1 or localhost. */
export const isLoopback = (hostname: string): boolean => /^127(\.\d{1,3}){3}$/.test(hostname) || ['::1', '[::1]', 'localhost'].includes(hostname.toLowerCase());

/** Whether the IP literal `host` is `entry` or inside its CIDR range, of the same family only; a bad prefix never matches. */
function inRange(entry: string, host: string, type: 'ipv4' | 'ipv6'): boolean {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const bits = slash === -1 ? undefined : entry.slice(slash + 1);
  if (isIP(address) !== (type === 'ipv6' ? 6 : 4) || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return false;
  const range = new BlockList();
  try {
    if (bits === undefined) range.addAddress(address, type);
    else range.addSubnet(address, Number(bits), type);
  } catch {
    return false; // a prefix longer than the address
  }
  return range.check(host, type);
}

/** An entry's name and port: `[v6]`, `[v6]:port`, `name:port`, or a name or bare IPv6 literal (several colons) without one; a bad port is NaN, which matches nothing. */
function splitPort(entry: string): [string, number | undefined] {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] ?? '', bracketed[2] === undefined ? undefined : Number(bracketed[2])];
  const colon = entry.indexOf(':');
  if (colon === -1 || colon !== entry.lastIndexOf(':')) return [entry, undefined];
  const port = entry.slice(colon + 1);
  return [entry.slice(0, colon), /^\d+$/.test(port) ? Number(port) : NaN];
}

/** Whether one lower-case entry matches `host` (lower case, without brackets) on `port`. */
function entryMatches(entry: string, host: string, port: number): boolean {
  const [name, entryPort] = splitPort(entry);
  if (entryPort !== undefined && entryPort !== port) return false;
  const family = isIP(host);
  if (family !== 0) return inRange(name, host, family === 6 ? 'ipv6' : 'ipv4');
  const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
  const bare = host.replace(/\.$/, '');
  return domain !== '' && (bare === domain || bare.endsWith(`.${domain}`));
}

/**
 * Whether the NO_PROXY value `list` exempts `target` from the proxy, as curl reads it: entries are split on
 * commas and blanks (empty ones skipped); the whole value `*` matches everything (a `*` among other entries
 * matches nothing, as in curl); a name matches itself and its subdomains on label boundaries
 * (`example.com` matches `api.example.com`, not `notexample.com`), case-insensitively, with a leading `.`
 * and trailing dots ignored on both sides; an IP-literal target matches only entries that are the same
 * address or a CIDR range of its family (`10.0.0.0/8`, `::1`, `[::1]`, `fd00::/8`), never names. Beyond
 * curl: a leading `*.` reads as `.`, and `:port` (`[v6]:port` for IPv6) limits an entry to requests on that
 * port, the scheme's default (443 for https:, else 80) when the URL has none.
 */
export function noProxyExempts(list: string, target: URL): boolean {
  if (list.trim() === '*') return true;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  return list.split(/[\s,]+/).some((entry) => entry !== '' && entryMatches(entry.toLowerCase(), host, port));
}
