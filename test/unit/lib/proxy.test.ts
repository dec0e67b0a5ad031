import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, get, type Server as HttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyFor, stsTarget, TunnelAgent } from '../../../src/lib/proxy.ts';

describe('proxyFor', () => {
  const env = { HTTPS_PROXY: 'http://proxy.internal:3128', NO_PROXY: 'localhost, .corp.example, vpce.amazonaws.com:8443' };
  it.each([
    ['https://sts.us-east-1.amazonaws.com', 'proxy.internal:3128'],
    ['https://api.corp.example', undefined],
    ['https://corp.example', undefined],
    ['https://localhost:9000', undefined],
    ['https://vpce.amazonaws.com:8443', undefined],
    ['https://vpce.amazonaws.com', 'proxy.internal:3128'],
    ['http://127.0.0.1:4566', undefined],
  ])('%s -> %s', (target, proxy) => {
    expect(proxyFor(target, env)?.host).toBe(proxy);
  });
  it('reads the lower-case names, takes a bare host:port, and NO_PROXY=* turns it off', () => {
    expect(proxyFor('https://x.example', { https_proxy: 'p:8080' })?.href).toBe('http://p:8080/');
    expect(proxyFor('https://x.example', { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' })).toBeUndefined();
    expect(() => proxyFor('https://x.example', { HTTPS_PROXY: 'socks5://p:1' })).toThrow(/not supported/);
  });
  it('targets the regional STS endpoint unless one is set', () => {
    expect(stsTarget('eu-west-1', '', {})).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsTarget('cn-north-1', '', {})).toBe('https://sts.cn-north-1.amazonaws.com.cn');
    expect(stsTarget('eu-west-1', '', { AWS_ENDPOINT_URL_STS: 'https://e' })).toBe('https://e');
  });
});

describe('TunnelAgent', () => {
  let https: HttpsServer;
  let proxy: Server;
  const seen: string[] = [];
  let ca = '';
  beforeAll(async () => {
    // A throwaway certificate for 127.0.0.1, made here, so TLS runs end to end through the tunnel.
    const dir = mkdtempSync(join(tmpdir(), 'proxy-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    https = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    // A minimal CONNECT proxy that records each request head and refuses wrong credentials.
    proxy = createServer((client) => {
      client.once('data', (head) => {
        const text = head.toString('latin1');
        seen.push(text.split('\r\n').slice(0, 3).join(' | '));
        if (!text.includes(`Proxy-Authorization: Basic ${Buffer.from('u:p w').toString('base64')}`)) { client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'); return; }
        const [, host = '', port = '0'] = /^CONNECT ([^:]+):(\d+)/.exec(text) ?? [];
        const upstream = connect(Number(port), host, () => { client.write('HTTP/1.1 200 Connection established\r\n\r\n'); upstream.pipe(client); client.pipe(upstream); });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  afterAll(() => { https.close(); proxy.close(); });

  const fetchVia = (proxyUrl: string) => new Promise<string>((resolve, reject) => {
    const agent = new TunnelAgent(new URL(proxyUrl), { ca });
    get({ host: '127.0.0.1', port: (https.address() as AddressInfo).port, path: '/x', agent, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => { agent.destroy(); resolve(body); });
    }).on('error', (err) => { agent.destroy(); reject(err); });
  });

  it('tunnels TLS through CONNECT with the proxy credentials', async () => {
    const port = (proxy.address() as AddressInfo).port;
    expect(await fetchVia(`http://u:p%20w@127.0.0.1:${port}`)).toBe('hello /x');
    expect(seen.at(-1)).toMatch(new RegExp(`^CONNECT 127\\.0\\.0\\.1:${(https.address() as AddressInfo).port} HTTP/1\\.1`));
  });

  it('reports a refused CONNECT with the proxy status', async () => {
    const port = (proxy.address() as AddressInfo).port;
    await expect(fetchVia(`http://u:wrong@127.0.0.1:${port}`)).rejects.toThrow(/answered CONNECT 127\.0\.0\.1:\d+ with HTTP 407/);
  });
});
