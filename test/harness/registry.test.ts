// The registry front's account check over HTTP, as docker's auth flow goes: a valid ECR password of another
// account is refused, this account's own is let in until its 12 hours are over. In process, so mutation testing
// runs it for each mutant of the front (test/mutation/vitest.config.ts); registry-docker.test.ts makes the same
// refusal with a real docker push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, REPO, startFronts, type Fronts } from './registry-fronts.ts';

let f: Fronts;
beforeAll(async () => { f = await startFronts(); }, 60_000);
afterAll(async () => { await f?.close(); });

describe('the registry front admits only an ECR password of its own account', () => {
  it('answers docker\'s auth flow: a Basic challenge, then 401 for another account\'s password and entry for its own', async () => {
    const url = (path: string) => `http://${f.home.host}${path}`;
    // docker's first request carries nothing; the challenge tells it to send its stored login as Basic auth.
    const probe = await fetch(url('/v2/'));
    expect(probe.status).toBe(401);
    expect(probe.headers.get('www-authenticate')).toBe(`Basic realm="${f.home.host}"`);
    const cases: [string, string, number, number][] = [
      ['AWS', f.password.other, 401, 401],
      ['bob', f.password.other, 401, 401],
      ['AWS', 'not-an-ecr-password', 401, 401],
      ['alice', f.password.home, 401, 401],
      ['AWS', f.password.home, 200, 202],
    ];
    for (const [user, secret, ping, upload] of cases) {
      const headers = { authorization: `Basic ${basic(user, secret)}` };
      const label = `${user} with ${secret === f.password.home ? 'this account\'s' : secret === f.password.other ? 'the other account\'s' : 'a made-up'} password`;
      expect((await fetch(url('/v2/'), { headers })).status, label).toBe(ping);
      const started = await fetch(url(`/v2/${REPO}/blobs/uploads/`), { method: 'POST', headers });
      expect(started.status, label).toBe(upload);
      if (started.status === 202) expect((await fetch(new URL(started.headers.get('location')!, url('/')), { method: 'DELETE', headers })).status).toBe(204);
    }
  });

  it('refuses this account\'s own password once its 12 hours are over', async () => {
    const headers = { authorization: `Basic ${basic('AWS', f.password.home)}` };
    f.s.clock.offsetMs = 12 * 3600_000;
    try {
      expect((await fetch(`http://${f.home.host}/v2/`, { headers })).status).toBe(401);
    } finally {
      f.s.clock.offsetMs = 0;
    }
    expect((await fetch(`http://${f.home.host}/v2/`, { headers })).status).toBe(200);
  });
});
