import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsFilePaths, LOCK_STALE_MS, setIniSection, writeProfile } from '../../../../src/lib/aws/files.ts';

const creds = (n: string) => ({ accessKeyId: `ASIA${n}`, secretAccessKey: `secret${n}`, sessionToken: `token${n}` });

describe('AWS shared files', () => {
  it('replaces only its own section and keeps the rest byte for byte', () => {
    const text = '[a]\nx = 1\n\n[b]\ny = 2\n\n[c]\nz = 3\n';
    expect(setIniSection(text, 'b', { y: '9', w: '8' })).toBe('[a]\nx = 1\n\n[b]\ny = 9\nw = 8\n\n[c]\nz = 3\n');
    expect(setIniSection(text, 'd', { q: '1' })).toBe(`${text}\n[d]\nq = 1\n`);
    expect(setIniSection('', 'd', { q: '1' })).toBe('[d]\nq = 1\n');
  });

  it('refuses values with line breaks (no section injection)', () => {
    expect(() => setIniSection('', 'p', { k: 'v\n[default]' })).toThrow(/line break/);
  });

  it('honours AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE', () => {
    expect(awsFilePaths({ HOME: '/h' })).toEqual({ credentials: '/h/.aws/credentials', config: '/h/.aws/config' });
    expect(awsFilePaths({ HOME: '/h', AWS_SHARED_CREDENTIALS_FILE: '/c', AWS_CONFIG_FILE: '/f' })).toEqual({ credentials: '/c', config: '/f' });
  });

  it('writes two profiles side by side, 0600, keeping a user profile', () => {
    const home = mkdtempSync(join(tmpdir(), 'awsfiles-'));
    const env = { HOME: home };
    writeProfile(env, 'staging', creds('1'), 'eu-west-1');
    const { credentials, config } = awsFilePaths(env);
    writeFileSync(config, readFileSync(config, 'utf8') + '\n[profile mine]\noutput = json\n');
    writeProfile(env, 'prod', creds('2'), 'us-east-1');
    writeProfile(env, 'staging', creds('3'), 'eu-west-1');
    const c = readFileSync(credentials, 'utf8');
    expect(c).toContain('[staging]\naws_access_key_id = ASIA3\naws_secret_access_key = secret3\naws_session_token = token3\n');
    expect(c).toContain('[prod]\naws_access_key_id = ASIA2');
    expect(c).not.toContain('ASIA1');
    const f = readFileSync(config, 'utf8');
    expect(f).toContain('[profile staging]\nregion = eu-west-1');
    expect(f).toContain('[profile prod]\nregion = us-east-1');
    expect(f).toContain('[profile mine]\noutput = json');
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect(statSync(config).mode & 0o777).toBe(0o600);
  });

  describe('the lock beside each file (<file>.lock)', () => {
    const locked = (text: string, ageMs = 0) => {
      const home = mkdtempSync(join(tmpdir(), 'awsfiles-lock-'));
      mkdirSync(join(home, '.aws'));
      const lock = join(home, '.aws', 'credentials.lock');
      writeFileSync(lock, text);
      const then = new Date(Date.now() - ageMs);
      utimesSync(lock, then, then);
      return { home, lock };
    };

    it('is taken over at once when its writer is gone (its pid, on this host, no longer runs), and removed after the write', () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      const { home, lock } = locked(`${gone} ${hostname()}\n`);
      writeProfile({ HOME: home }, 'deploy', creds('1'), 'eu-west-1');
      expect(readFileSync(join(home, '.aws', 'credentials'), 'utf8')).toContain('[deploy]\naws_access_key_id = ASIA1');
      expect(existsSync(lock)).toBe(false);
      expect(readdirSync(join(home, '.aws')).sort()).toEqual(['config', 'credentials']);
    });

    it(`is taken over when older than ${LOCK_STALE_MS} ms, even with a pid that runs (or one of another host)`, () => {
      for (const text of [`${process.pid} ${hostname()}\n`, '1 another-host\n', '']) {
        const { home, lock } = locked(text, LOCK_STALE_MS + 60_000);
        writeProfile({ HOME: home }, 'deploy', creds('2'), 'eu-west-1');
        expect(readFileSync(join(home, '.aws', 'credentials'), 'utf8')).toContain('aws_access_key_id = ASIA2');
        expect(existsSync(lock)).toBe(false);
      }
    });
  });
});
