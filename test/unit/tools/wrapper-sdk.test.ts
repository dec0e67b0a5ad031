// The wrapper with the AWS SDK v3 inside: a client bundled as the loader needs it (no dynamic import()),
// its first and later uses in a job against a local STS stand-in, and the SDK's notices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { renderWrapper } from '../../../tools/wrapper.ts';
import { trimSdk } from '../../../tools/build.ts';
import { dynamicImports } from '../../../tools/loader.ts';
import { runInAsync, runWrapper, sandbox } from './wrapper-run.ts';

/** Bundles `contents` for Node like tools/build.ts, with or without esbuild's dynamic-import lowering. */
async function bundleOf(contents: string, lowerDynamicImport: boolean): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', minify: true, plugins: [trimSdk],
    mainFields: ['module', 'main'], write: false, legalComments: 'none', logLevel: 'error',
    ...(lowerDynamicImport ? { supported: { 'dynamic-import': false } } : {}),
  });
  return out.outputFiles[0]?.text ?? '';
}

const STS_ENTRY = `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
const sts = new STSClient({ region: 'us-east-1', endpoint: process.env.STS_URL, maxAttempts: 1,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } });
sts.send(new GetCallerIdentityCommand({})).then((o) => console.log(o.Arn, JSON.stringify(process.argv.slice(2))));
`;
const ANSWER = '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
  + '<Arn>arn:aws:sts::123456789012:assumed-role/deploy/s</Arn><UserId>AROA:s</UserId><Account>123456789012</Account>'
  + '</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>';

describe('an AWS SDK v3 client through the wrapper', () => {
  let server: Server;
  let url = '';
  let calls = 0;
  let lowered = '';
  beforeAll(async () => {
    server = createServer((req, res) => { calls++; req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(ANSWER)); });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    lowered = await bundleOf(STS_ENTRY, true);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('calls STS on the first use and on later uses (from the unpacked file and the code cache), printing nothing else', async () => {
    const box = sandbox({ node: null });
    const script = renderWrapper('assume-role-with-oidc', lowered);
    for (let use = 1; use <= 3; use++) {
      // With a job's variables, as in CircleCI: the code cache is keyed by them.
      const r = await runInAsync(box, script, { STS_URL: url, CIRCLE_WORKFLOW_JOB_ID: 'job-1' });
      expect(r).toEqual({ status: 0, stdout: 'arn:aws:sts::123456789012:assumed-role/deploy/s []\n', stderr: '' });
    }
    expect(calls).toBe(3);
    expect(readdirSync(join(box.home, '.aws-oidc', 'runtime')).sort()).toEqual(['assume-role-with-oidc.cjs', 'assume-role-with-oidc.cjs.cache']);
  });

  it('refuses a bundle that keeps dynamic import(), which a vm.Script cannot run, and names the esbuild setting', async () => {
    const kept = await bundleOf(STS_ENTRY, false);
    expect(dynamicImports(kept)).toContain('node:http');
    expect(dynamicImports(lowered)).toEqual([]);
    expect(() => renderWrapper('x', kept)).toThrow(/x: the bundle keeps dynamic import\(\) of .*node:http.*supported: \{ 'dynamic-import': false \}/);
    // Only calls count, not the text.
    expect(() => renderWrapper('x', 'const s = "import(\\"a\\")"; // import("b")\nconsole.log(s)')).not.toThrow();
  });

  it('leaves out only the SDK\'s notice about the Node versions of its future releases, in the wrapper and run bare', async () => {
    const entry = 'import { emitWarningIfUnsupportedVersion } from "@aws-sdk/core/client";\nemitWarningIfUnsupportedVersion("v20.0.0");\n'
      + 'process.emitWarning("a warning users should see");\nconsole.log("ran");';
    const untrimmed = (await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', write: false, mainFields: ['module', 'main'], logLevel: 'error' })).outputFiles[0]?.text ?? '';
    expect(spawnSync(process.execPath, ['-e', untrimmed], { encoding: 'utf8' }).stderr).toContain('NodeVersionSupportWarning'); // the SDK does print it
    const js = await bundleOf(entry, true);
    const bare = spawnSync(process.execPath, ['-e', js], { encoding: 'utf8' });
    expect(bare.stderr).toContain('a warning users should see');
    expect(bare.stderr).not.toContain('NodeVersion');
    const r = runWrapper(renderWrapper('sdk', js), { node: null });
    expect(r.stdout).toBe('ran\n');
    expect(r.stderr).toContain('a warning users should see');
    expect(r.stderr).not.toContain('NodeVersion');
  });
});
