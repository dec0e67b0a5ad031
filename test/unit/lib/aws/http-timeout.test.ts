// A slow answer to a real STS call fails as ETIMEDOUT within AWS_OIDC_HTTP_TIMEOUT_MS (its parsing: http-handler.test.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSts } from '../../../../src/lib/aws/sts.ts';

describe('an STS call with a short timeout', () => {
  it('gives up on an answer slower than AWS_OIDC_HTTP_TIMEOUT_MS with ETIMEDOUT', async () => {
    const server = createServer((_req, res) => setTimeout(() => res.end('late'), 2000));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const call = createSts('us-east-1', endpoint, { AWS_OIDC_HTTP_TIMEOUT_MS: '100' }).assumeRoleWithWebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: 's', token: 'a.b.c', durationSeconds: 900 });
      await expect(call).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 0\.1s/) });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
