// The ECR image calls of promote-image, push-image and the scan gate, through @aws-sdk/client-ecr: one
// image's manifest (BatchGetImage), a new tag for a manifest (PutImage), and the image scan
// (DescribeImageScanFindings, StartImageScan). Every call runs within the whole-call deadline.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
import { BatchGetImageCommand, DescribeImageScanFindingsCommand, PutImageCommand, StartImageScanCommand, type ImageScanFindings } from '@aws-sdk/client-ecr';
import type { Env } from '../params.ts';
import { ecrClient, type AwsKeys } from './clients.ts';
import { MANIFEST_MEDIA_TYPES } from './ecr.ts';
import { httpTimeoutMs, withDeadline } from './http-handler.ts';

/** Where an ECR call goes: the keys that sign it, the region, the registry (12-digit account) and the repository. */
export interface EcrRepoRef { keys: AwsKeys; region: string; registryId: string; repo: string }

/** One image as ECR holds it: `digest` (sha256:<64 hex>) of the exact `manifest` text, and its media type. */
export interface EcrImage { digest: string; mediaType: string; manifest: string }

/** An image named by tag or by digest (sha256:<64 hex>). */
export type ImageRef = { imageTag: string } | { imageDigest: string };

/** Sends one ECR call within the whole-call deadline (AWS_OIDC_HTTP_TIMEOUT_MS, default 15 s). */
export function withinDeadline<T>(env: Env, what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(httpTimeoutMs(env), `ECR ${what}`, call);
}

/**
 * BatchGetImage for one image: its digest, manifest text and media type, or undefined when ECR reports
 * the image missing. Throws the SDK's error for refusals (RepositoryNotFoundException, AccessDenied...).
 */
export async function getImage(at: EcrRepoRef, id: ImageRef, env: Env): Promise<EcrImage | undefined> {
  const out = await withinDeadline(env, 'BatchGetImage', (abortSignal) => ecrClient(at.region, at.keys, env).send(new BatchGetImageCommand({
    registryId: at.registryId, repositoryName: at.repo, imageIds: [id], acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
  }), { abortSignal }));
  const img = out.images?.[0];
  if (!img?.imageId?.imageDigest || img.imageManifest === undefined) return undefined;
  return { digest: img.imageId.imageDigest, mediaType: img.imageManifestMediaType ?? mediaTypeOf(img.imageManifest), manifest: img.imageManifest };
}

/** The media type a manifest names itself (schema 2 and OCI manifests carry it), '' when it names none. */
export function mediaTypeOf(manifest: string): string {
  try {
    const m = JSON.parse(manifest) as { mediaType?: unknown };
    return typeof m.mediaType === 'string' ? m.mediaType : '';
  } catch {
    return '';
  }
}

/**
 * PutImage: `tag` for the manifest of `image`, in the repository `at` (the blobs must be there already).
 * Returns the digest ECR stored. ECR refuses with ImageAlreadyExistsException when the tag already points
 * at this manifest, ImageTagAlreadyExistsException when an IMMUTABLE repository has the tag elsewhere.
 */
export async function putImage(at: EcrRepoRef, image: EcrImage, tag: string, env: Env): Promise<string> {
  const out = await withinDeadline(env, 'PutImage', (abortSignal) => ecrClient(at.region, at.keys, env).send(new PutImageCommand({
    registryId: at.registryId, repositoryName: at.repo, imageManifest: image.manifest, imageManifestMediaType: image.mediaType,
    imageTag: tag, imageDigest: image.digest,
  }), { abortSignal }));
  return out.image?.imageId?.imageDigest ?? image.digest;
}

/** One finding of a scan, as the gate prints it; severity is ECR's (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED, UNTRIAGED). */
export interface ScanFinding { severity: string; name: string; packageName: string; packageVersion: string }

/** The state of an image's scan: ECR's status (COMPLETE, ACTIVE, IN_PROGRESS, PENDING, FAILED...), counts per severity, and the findings. */
export interface ScanReport { status: string; description: string; counts: Record<string, number>; findings: ScanFinding[]; enhanced: boolean }

/** The findings of basic scanning (name, attributes package_name/package_version) and enhanced scanning (packageVulnerabilityDetails). */
function findingsOf(f: ImageScanFindings | undefined): { findings: ScanFinding[]; enhanced: boolean } {
  const basic = (f?.findings ?? []).map((x) => {
    const attr = (k: string) => x.attributes?.find((a) => a.key === k)?.value ?? '';
    return { severity: x.severity ?? 'UNDEFINED', name: x.name ?? '', packageName: attr('package_name'), packageVersion: attr('package_version') };
  });
  const enhanced = (f?.enhancedFindings ?? []).flatMap((x) => {
    const d = x.packageVulnerabilityDetails;
    const pkgs = d?.vulnerablePackages?.length ? d.vulnerablePackages : [{ name: '', version: '' }];
    return pkgs.map((p) => ({ severity: x.severity ?? 'UNDEFINED', name: d?.vulnerabilityId ?? x.title ?? '', packageName: p.name ?? '', packageVersion: p.version ?? '' }));
  });
  return { findings: [...basic, ...enhanced], enhanced: (f?.enhancedFindings?.length ?? 0) > 0 };
}

/**
 * DescribeImageScanFindings for one image digest, every page (1000 findings a page); undefined when ECR
 * has no scan of it (ScanNotFoundException). Other refusals throw the SDK's error.
 */
export async function scanReport(at: EcrRepoRef, digest: string, env: Env): Promise<ScanReport | undefined> {
  const report: ScanReport = { status: '', description: '', counts: {}, findings: [], enhanced: false };
  let nextToken: string | undefined;
  try {
    do {
      const token = nextToken;
      const out = await withinDeadline(env, 'DescribeImageScanFindings', (abortSignal) => ecrClient(at.region, at.keys, env).send(new DescribeImageScanFindingsCommand({
        registryId: at.registryId, repositoryName: at.repo, imageId: { imageDigest: digest }, maxResults: 1000, ...(token ? { nextToken: token } : {}),
      }), { abortSignal }));
      report.status = out.imageScanStatus?.status ?? '';
      report.description = out.imageScanStatus?.description ?? '';
      const counts = out.imageScanFindings?.findingSeverityCounts;
      if (counts) report.counts = Object.fromEntries(Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === 'number'));
      const page = findingsOf(out.imageScanFindings);
      report.findings.push(...page.findings);
      report.enhanced ||= page.enhanced;
      nextToken = out.nextToken;
    } while (nextToken);
  } catch (err) {
    if ((err as { name?: string }).name === 'ScanNotFoundException') return undefined;
    throw err;
  }
  return report;
}

/** StartImageScan (basic scanning) for one image digest: ECR allows one manual scan per image a day. */
export async function startImageScan(at: EcrRepoRef, digest: string, env: Env): Promise<void> {
  await withinDeadline(env, 'StartImageScan', (abortSignal) => ecrClient(at.region, at.keys, env).send(new StartImageScanCommand({
    registryId: at.registryId, repositoryName: at.repo, imageId: { imageDigest: digest },
  }), { abortSignal }));
}
