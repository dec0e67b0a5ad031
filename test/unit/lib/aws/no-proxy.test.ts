// What counts as this machine (the endpoints allowed over plain http), and NO_PROXY entries at their edges:
// CIDR prefixes of more than one digit, bracketed IPv6 entries with text around them.
import { describe, expect, it } from 'vitest';
import { isLoopback, noProxyExempts } from '../../../../src/lib/aws/no-proxy.ts';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.10.200.30', '::1', '[::1]', 'localhost', 'LocalHost'])('%s is this machine', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['127.0.0.1.evil.test', 'x127.0.0.1', '128.0.0.1', '127.0.0', 'localhost.evil.test', '::2', '10.0.0.1'])('%s is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});

describe('noProxyExempts at the edges', () => {
  it.each([
    ['https://10.1.2.3', '10.1.0.0/16', true],
    ['https://10.2.2.3', '10.1.0.0/16', false],
    ['https://[fd00::5]', 'fd00::/128', false],
    ['https://[fd00::]', 'fd00::/128', true],
    ['https://[::1]', '[::1]', true],
    ['https://[::1]', 'a[::1]', false],
    ['https://[::1]', '[::1]x', false],
    ['https://[::1]', '[::1]:443', true],
  ])('%s with NO_PROXY=%j: exempt %s', (target, list, exempt) => {
    expect(noProxyExempts(list, new URL(target))).toBe(exempt);
  });
});
