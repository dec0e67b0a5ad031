// IAM and STS state of the local AWS: accounts' OIDC providers, roles, users and issued sessions.
import { newAccessKeyId, newSecretAccessKey, newSessionToken, newUniqueId } from './ids.ts';
import { parseTrustPolicy, type TrustPolicy } from './policy.ts';

/** An IAM OIDC identity provider. `url` keeps its scheme; `hostPath` is how IAM names it in ARNs and keys. */
export interface OidcProvider {
  arn: string;
  account: string;
  url: string;
  hostPath: string;
  clientIds: string[];
}

/** An IAM role. */
export interface Role {
  arn: string;
  account: string;
  name: string;
  roleId: string;
  trustPolicy: TrustPolicy;
  maxSessionDuration: number;
}

/** An IAM user with one long-term access key. */
export interface User {
  arn: string;
  account: string;
  name: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Temporary credentials STS issued for a role session, and what they stand for. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number; // epoch ms
  role: Role;
  sessionName: string;
  arn: string; // arn:aws:sts::<acct>:assumed-role/<role>/<session>
  assumedRoleId: string; // AROA…:<session>
  /** True when a role session assumed this role (role chaining), which caps it at one hour. */
  chained: boolean;
  via: 'AssumeRoleWithWebIdentity' | 'AssumeRole';
  sourceIdentity?: string;
  tags: { key: string; value: string }[];
  transitiveTagKeys: string[];
}

/** The holder of an access key, as a request's signer. */
export type Caller = { kind: 'user'; user: User } | { kind: 'session'; session: Session };

const ACCOUNT_RE = /^\d{12}$/;
const NAME_RE = /^[\w+=,.@-]{1,64}$/;

/** All IAM/STS state; the only place credentials are created, so every secret lands in `issuedSecrets`. */
export class IamState {
  readonly providers: OidcProvider[] = [];
  readonly roles = new Map<string, Role>();
  readonly users: User[] = [];
  readonly sessions = new Map<string, Session>();
  readonly issuedSecrets: string[] = [];

  /** Registers an OIDC provider and returns its ARN. */
  addOidcProvider(p: { account: string; url: string; clientIds: string[] }): string {
    if (!ACCOUNT_RE.test(p.account)) throw new Error(`account must be 12 digits, got '${p.account}'`);
    const u = new URL(p.url); // throws on a malformed URL, as IAM refuses it
    if (p.clientIds.length === 0) throw new Error('an OIDC provider needs at least one client id (audience)');
    const hostPath = (u.host + u.pathname).replace(/\/$/, '');
    const arn = `arn:aws:iam::${p.account}:oidc-provider/${hostPath}`;
    if (this.providers.some((x) => x.arn === arn)) throw new Error(`EntityAlreadyExists: provider ${arn}`);
    this.providers.push({ arn, account: p.account, url: p.url.replace(/\/$/, ''), hostPath, clientIds: [...p.clientIds] });
    return arn;
  }

  /** Creates a role; its trust policy is parsed now so a bad one fails where it was written. */
  addRole(r: { account: string; name: string; trustPolicy: object | string; maxSessionDuration?: number }): string {
    if (!ACCOUNT_RE.test(r.account)) throw new Error(`account must be 12 digits, got '${r.account}'`);
    if (!NAME_RE.test(r.name)) throw new Error(`invalid role name '${r.name}'`);
    const max = r.maxSessionDuration ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) throw new Error(`maxSessionDuration must be 3600..43200, got ${max}`);
    const arn = `arn:aws:iam::${r.account}:role/${r.name}`;
    if (this.roles.has(arn)) throw new Error(`EntityAlreadyExists: role ${arn}`);
    const trustPolicy = parseTrustPolicy(r.trustPolicy);
    this.roles.set(arn, { arn, account: r.account, name: r.name, roleId: newUniqueId('AROA'), trustPolicy, maxSessionDuration: max });
    return arn;
  }

  /** Creates a user with one long-term access key and returns the key pair. */
  addUser(u: { account: string; name: string }): { accessKeyId: string; secretAccessKey: string } {
    if (!ACCOUNT_RE.test(u.account)) throw new Error(`account must be 12 digits, got '${u.account}'`);
    if (!NAME_RE.test(u.name)) throw new Error(`invalid user name '${u.name}'`);
    const user: User = {
      arn: `arn:aws:iam::${u.account}:user/${u.name}`,
      account: u.account,
      name: u.name,
      userId: newUniqueId('AIDA'),
      accessKeyId: newAccessKeyId('AKIA'),
      secretAccessKey: newSecretAccessKey(),
    };
    this.users.push(user);
    this.issuedSecrets.push(user.accessKeyId, user.secretAccessKey);
    return { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
  }

  /** The provider registered in `account` whose URL is the token's `iss`. */
  findProvider(account: string, issuer: string): OidcProvider | undefined {
    return this.providers.find((p) => p.account === account && p.url === issuer.replace(/\/$/, ''));
  }

  /** Who holds an access key, if anyone. */
  callerFor(accessKeyId: string): Caller | undefined {
    const user = this.users.find((u) => u.accessKeyId === accessKeyId);
    if (user) return { kind: 'user', user };
    const session = this.sessions.get(accessKeyId);
    return session ? { kind: 'session', session } : undefined;
  }

  /** Issues temporary credentials for a role session and records them. */
  issueSession(s: Omit<Session, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'arn' | 'assumedRoleId'>): Session {
    const session: Session = {
      ...s,
      accessKeyId: newAccessKeyId('ASIA'),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      arn: `arn:aws:sts::${s.role.account}:assumed-role/${s.role.name}/${s.sessionName}`,
      assumedRoleId: `${s.role.roleId}:${s.sessionName}`,
    };
    this.sessions.set(session.accessKeyId, session);
    this.issuedSecrets.push(session.accessKeyId, session.secretAccessKey, session.sessionToken);
    return session;
  }
}
