// The runner CLI: argument parsing, `expand` output, and `run` printing steps with its exit code.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main, parseCli } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rig-cli-'));
const config = join(dir, 'config.yml');
writeFileSync(config, `version: 2.1
orbs: {o: acme/o@1.0.0}
jobs:
  j:
    parameters:
      n: {type: integer, default: 1}
      loud: {type: boolean, default: false}
    docker: [{image: cimg/base:stable}]
    steps:
      - o/hello
      - run: {name: show, command: "echo n=<< parameters.n >> loud=<< parameters.loud >> key=$KEY"}
      - run: {name: fail, command: exit 4}
`);
const orbFile = join(dir, 'orb.yml');
writeFileSync(orbFile, 'version: 2.1\ncommands:\n  hello: {steps: [run: {name: Hello, command: echo from-orb}]}\n');

describe('runner CLI', () => {
  it('parses --param values as YAML scalars and reads --orb files', () => {
    const req = parseCli(['run', config, '--job', 'j', '--param', 'n=3', '--param', 'loud=true', '--orb', `o=${orbFile}`, '--env', 'KEY=abcd1234']);
    expect(req).toMatchObject({ action: 'run', job: 'j', params: { n: 3, loud: true }, env: { KEY: 'abcd1234' } });
    expect(req.orbs.o).toContain('from-orb');
    expect(() => parseCli(['run', config])).toThrow('usage:');
    expect(() => parseCli(['run', config, '--job', 'j', '--param', 'novalue'])).toThrow('--param takes key=value');
  });

  it('expand prints the expanded job as YAML', async () => {
    let out = '';
    const code = await main(parseCli(['expand', config, '--job', 'j', '--param', 'n=7', '--orb', `o=${orbFile}`]), (s) => (out += s));
    expect(code).toBe(0);
    const job = parse(out) as { steps: { name: string; command: string }[] };
    expect(job.steps.map((s) => s.command)).toEqual(['echo from-orb', 'echo n=7 loud=false key=$KEY', 'exit 4']);
  });

  it('run prints each step like the UI, masks project values, and returns 1 when the job fails', async () => {
    let out = '';
    const code = await main(parseCli(['run', config, '--job', 'j', '--orb', `o=${orbFile}`, '--env', 'KEY=abcd1234']), (s) => (out += s));
    expect(code).toBe(1);
    expect(out).toContain('== Hello\n#!/bin/bash -eo pipefail\necho from-orb\nfrom-orb\n-- exit 0');
    expect(out).toContain('n=1 loud=false key=********\n');
    expect(out).not.toContain('abcd1234');
    expect(out).toContain('== fail\n#!/bin/bash -eo pipefail\nexit 4\n\nExited with code exit status 4\n');
    expect(out).toContain('Job j: failed');
  });

  it('runs as a script through tsx and reports config errors on stderr', () => {
    const cli = join(import.meta.dirname, 'cli.ts');
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', cli, 'expand', config, '--job', 'j', '--param', 'n=x', '--orb', `o=${orbFile}`], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toContain("Config error:\nError calling job: 'j'\nType error for argument n: expected type: integer");
  });
});
