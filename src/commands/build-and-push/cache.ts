// build-and-push's cache-from and cache-to: what a line may be, and the buildx cache spec it becomes.
import { ParamError } from '../../lib/errors.ts';
import { stringParam, type Env, type ParamSource } from '../../lib/params.ts';
import { isKind, lineList } from '../../lib/grammar.ts';

/** An image reference: [registry[:port]/]name[:tag][@sha256:digest]. */
const IMAGE_REF = /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._-]|__|\/)[a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
/** A buildx cache spec: type=<kind> and comma-separated key=value attributes, with no spaces. */
const CACHE_SPEC = /^(?:[a-z0-9_-]+=[^,\s]*,)*type=[a-z]+(?:,[a-z0-9_-]+=[^,\s]*)*$/;

/** The lines of cache-from or cache-to, each a tag of this repository, an image reference or a buildx cache spec. */
export function cacheLines(raw: ParamSource, env: Env, param: 'cache-from' | 'cache-to'): string[] {
  const values = lineList(stringParam(raw, env, param));
  for (const v of values) {
    if (v.includes('type=') ? !CACHE_SPEC.test(v) : !(isKind('tag', v) || IMAGE_REF.test(v))) {
      throw new ParamError(param, v, 'is not a tag of this repository, an image reference or a buildx cache spec (type=..., no spaces)',
        'give one per line, e.g. cache, 123456789012.dkr.ecr.us-east-1.amazonaws.com/webapp:cache or type=registry,ref=<image>');
    }
  }
  return values;
}

/** A cache spec: a full buildx spec (type=...) as given, or a tag of this repository for the registry cache. */
export function cacheSpec(param: 'cache-from' | 'cache-to', value: string, repositoryUri: string): string {
  if (value.includes('type=')) {
    if (param === 'cache-to' && /type=registry/.test(value) && !/image-manifest=/.test(value)) return `${value},image-manifest=true,oci-mediatypes=true`;
    return value;
  }
  const ref = value.includes('/') || value.includes(':') && !isKind('tag', value) ? value : `${repositoryUri}:${value}`;
  return param === 'cache-to' ? `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true` : `type=registry,ref=${ref}`;
}
