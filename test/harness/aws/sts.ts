// STS over the awsQuery protocol: AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity.
// https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
import { AwsError, awsErrors } from './errors.ts';
import { checkArnShape, checkSessionPolicy, parseForm, parseRoleArn, readAssumeRoleParams, readWebIdentityParams, type QueryParams } from './params.ts';
import { evaluateTrust, type TrustRequest } from './policy.ts';
import type { HttpReply, RawRequest, ServiceHandler } from './server.ts';
import { verifySigV4 } from './sigv4.ts';
import type { IamState, Role, Session } from './state.ts';
import { verifyWebIdentityToken } from './web-identity.ts';
import { stsErrorXml, stsSuccessXml, type XmlValue } from './xml.ts';

const VERSION = '2011-06-15';
const CHAINED_MAX_SECONDS = 3600;

interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
  /** ARNs a trust policy may name to mean this caller: the user, or the role and its session. */
  principalArns: string[];
  session: Session | undefined;
}

function queryParams(req: RawRequest): QueryParams {
  const q = req.target.indexOf('?');
  const params = parseForm(q < 0 ? '' : req.target.slice(q + 1));
  return parseForm(req.body.toString('utf8'), params);
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function credentialsXml(s: Session): Record<string, XmlValue> {
  return {
    AccessKeyId: s.accessKeyId,
    SecretAccessKey: s.secretAccessKey,
    SessionToken: s.sessionToken,
    Expiration: isoSeconds(s.expiresAt),
  };
}

/** The STS service of the local AWS; it answers every request that is not a JSON (X-Amz-Target) call. */
export class StsService implements ServiceHandler {
  constructor(
    private readonly state: IamState,
    private readonly now: () => number,
  ) {}

  claims(req: RawRequest): boolean {
    return req.headers['x-amz-target'] === undefined;
  }

  operation(req: RawRequest): string {
    return queryParams(req).get('Action') ?? '(none)';
  }

  renderError(err: AwsError, requestId: string): HttpReply {
    return { status: err.status, contentType: 'text/xml', body: stsErrorXml(err, requestId) };
  }

  async handle(req: RawRequest, requestId: string): Promise<HttpReply> {
    const params = queryParams(req);
    const action = params.get('Action');
    if (action === undefined) throw new AwsError('MissingAction', 'Missing Action', 400);
    const version = params.get('Version');
    let result: Record<string, XmlValue>;
    if (version !== VERSION) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, 400);
    else if (action === 'AssumeRoleWithWebIdentity') result = await this.assumeRoleWithWebIdentity(params);
    else if (action === 'AssumeRole') result = this.assumeRole(this.authenticate(req), params);
    else if (action === 'GetCallerIdentity') {
      const caller = this.authenticate(req);
      result = { UserId: caller.userId, Account: caller.account, Arn: caller.arn };
    } else throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${VERSION}`, 400);
    return { status: 200, contentType: 'text/xml', body: stsSuccessXml(action, result, requestId) };
  }

  /** SigV4 plus the session-token rules: a temporary key needs its own token, a long-term key none. */
  private authenticate(req: RawRequest): CallerIdentity {
    const token = req.headers['x-amz-security-token'];
    let found: CallerIdentity | undefined;
    verifySigV4(req, {
      service: 'sts',
      now: this.now(),
      secretFor: (accessKeyId) => {
        const caller = this.state.callerFor(accessKeyId);
        if (!caller) return undefined;
        if (caller.kind === 'user') {
          if (token !== undefined) throw awsErrors.invalidClientTokenId();
          const u = caller.user;
          found = { arn: u.arn, account: u.account, userId: u.userId, principalArns: [u.arn], session: undefined };
          return u.secretAccessKey;
        }
        const s = caller.session;
        if (token !== s.sessionToken) throw awsErrors.invalidClientTokenId();
        if (this.now() >= s.expiresAt) throw awsErrors.expiredSessionToken();
        found = { arn: s.arn, account: s.role.account, userId: s.assumedRoleId, principalArns: [s.arn, s.role.arn], session: s };
        return s.secretAccessKey;
      },
    });
    return found!;
  }

  private async assumeRoleWithWebIdentity(params: QueryParams): Promise<Record<string, XmlValue>> {
    const p = readWebIdentityParams(params);
    checkArnShape(p.roleArn);
    const denied = () => awsErrors.accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const target = parseRoleArn(p.roleArn);
    if (!target) throw denied();
    const { provider, claims, audience } = await verifyWebIdentityToken(p.webIdentityToken, {
      account: target.account,
      state: this.state,
      nowMs: this.now(),
    });
    const role = this.state.roles.get(p.roleArn);
    // IAM exposes only aud and sub of a generic OIDC token as condition keys, prefixed by the provider.
    const request: TrustRequest = {
      action: 'sts:AssumeRoleWithWebIdentity',
      federated: provider.arn,
      context: {
        [`${provider.hostPath}:aud`]: audience,
        [`${provider.hostPath}:sub`]: claims.sub,
        'aws:FederatedProvider': provider.arn,
        'sts:RoleSessionName': p.roleSessionName,
      },
    };
    if (!role || evaluateTrust(role.trustPolicy, request) !== 'Allow') throw denied();
    const duration = this.checkDuration(role, p.durationSeconds, false);
    checkSessionPolicy(p.policy);
    const session = this.state.issueSession({
      expiresAt: this.now() + duration * 1000,
      role,
      sessionName: p.roleSessionName,
      chained: false,
      via: 'AssumeRoleWithWebIdentity',
      tags: [],
      transitiveTagKeys: [],
    });
    return {
      Credentials: credentialsXml(session),
      SubjectFromWebIdentityToken: claims.sub,
      AssumedRoleUser: { Arn: session.arn, AssumedRoleId: session.assumedRoleId },
      // STS reports the provider's ARN here for IAM OIDC providers.
      Provider: provider.arn,
      Audience: audience,
    };
  }

  private assumeRole(caller: CallerIdentity, params: QueryParams): Record<string, XmlValue> {
    const p = readAssumeRoleParams(params);
    checkArnShape(p.roleArn);
    const role = this.state.roles.get(p.roleArn);
    const inherited = caller.session?.tags.filter((t) => caller.session!.transitiveTagKeys.includes(t.key)) ?? [];
    const tags = [...inherited.filter((t) => !p.tags.some((n) => n.key === t.key)), ...p.tags];
    const context: TrustRequest['context'] = {
      'aws:PrincipalArn': caller.session ? caller.session.role.arn : caller.arn,
      'aws:PrincipalAccount': caller.account,
      'sts:RoleSessionName': p.roleSessionName,
      'sts:ExternalId': p.externalId,
      'sts:SourceIdentity': p.sourceIdentity,
      'sts:TransitiveTagKeys': p.transitiveTagKeys,
      'aws:TagKeys': p.tags.map((t) => t.key),
      ...Object.fromEntries(p.tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
    };
    // Tagging and setting a source identity are separate permissions the trust policy must grant.
    const actions = ['sts:AssumeRole'];
    if (p.tags.length > 0 || p.transitiveTagKeys.length > 0) actions.push('sts:TagSession');
    if (p.sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
    for (const action of actions) {
      const ok = role && evaluateTrust(role.trustPolicy, { action, aws: { account: caller.account, arns: caller.principalArns }, context }) === 'Allow';
      if (!ok) throw awsErrors.accessDenied(`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${p.roleArn}`);
    }
    const chained = caller.session !== undefined;
    const duration = this.checkDuration(role!, p.durationSeconds, chained);
    checkSessionPolicy(p.policy);
    const session = this.state.issueSession({
      expiresAt: this.now() + duration * 1000,
      role: role!,
      sessionName: p.roleSessionName,
      chained,
      via: 'AssumeRole',
      ...(p.sourceIdentity !== undefined ? { sourceIdentity: p.sourceIdentity } : {}),
      tags,
      transitiveTagKeys: p.transitiveTagKeys,
    });
    const packed = p.policy !== undefined || tags.length > 0 ? Math.max(1, Math.ceil(((p.policy?.length ?? 0) + JSON.stringify(tags).length) / 20)) : undefined;
    return {
      Credentials: credentialsXml(session),
      AssumedRoleUser: { Arn: session.arn, AssumedRoleId: session.assumedRoleId },
      PackedPolicySize: packed,
      SourceIdentity: p.sourceIdentity,
    };
  }

  private checkDuration(role: Role, requested: number | undefined, chained: boolean): number {
    const duration = requested ?? 3600;
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
    if (chained && duration > CHAINED_MAX_SECONDS) {
      throw awsErrors.validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    if (duration > role.maxSessionDuration) throw awsErrors.validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    return duration;
  }
}
