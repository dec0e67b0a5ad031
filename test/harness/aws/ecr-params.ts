// Reading and checking ECR's JSON request members, refusing them with ECR's codes and texts.
import { ecrErrors } from './ecr-errors.ts';

/** A JSON request body or nested structure. */
export type Json = Record<string, unknown>;

const REPO_NAME_RE = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';

/** Parses a request body, which JSON 1.1 requires to be an object. */
export function parseBody(body: Buffer): Json {
  // JSON 1.1 requests always carry an object; anything else is a SerializationException at AWS.
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw ecrErrors.serialization('Start of structure or map found where not expected.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw ecrErrors.serialization('Expected a JSON object');
  return parsed as Json;
}

/** A string member, or undefined when absent. */
export function optionalString(o: Json, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw ecrErrors.serialization(`${field} must be a string`);
  return v;
}

/** A string member that must be present. */
export function requiredString(o: Json, field: string): string {
  const v = optionalString(o, field);
  if (v === undefined) throw ecrErrors.invalidParameter(field, 'must not be null');
  return v;
}

/** A list-of-strings member, or undefined when absent. */
export function optionalStringList(o: Json, field: string): string[] | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw ecrErrors.serialization(`${field} must be a list of strings`);
  return v as string[];
}

/** A structure member, or undefined when absent. */
export function optionalObject(o: Json, field: string): Json | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw ecrErrors.serialization(`${field} must be a structure`);
  return v as Json;
}

/** Refuses a registry id that is not a 12-digit account. */
export function checkRegistryId(id: string, field: string): void {
  if (!/^[0-9]{12}$/.test(id)) throw ecrErrors.invalidParameter(field, "must satisfy regular expression '[0-9]{12}'");
}

/** Refuses a repository name outside ECR's length and pattern. */
export function checkRepositoryName(name: string, field: string): void {
  if (name.length < 2) throw ecrErrors.invalidParameter(field, 'must have length greater than or equal to 2');
  if (name.length > 256) throw ecrErrors.invalidParameter(field, 'must have length less than or equal to 256');
  if (!new RegExp(`^${REPO_NAME_RE}$`).test(name)) throw ecrErrors.invalidParameter(field, `must satisfy regular expression '${REPO_NAME_RE}'`);
}
