// The awsQuery wire shapes STS answers with: success envelopes and ErrorResponse documents.
import type { AwsError } from './errors.ts';

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A result tree: element name -> text, nested elements, or a list of `member` elements. */
export type XmlValue = string | number | undefined | XmlValue[] | { [name: string]: XmlValue };

/** Escapes text for an XML element body. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function render(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number') return escapeXml(String(value));
  // awsQuery lists are serialised as repeated <member> elements.
  if (Array.isArray(value)) return value.map((v) => `<member>${render(v)}</member>`).join('');
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => `<${name}>${render(v)}</${name}>`)
    .join('');
}

/** Renders `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` as STS does. */
export function stsSuccessXml(action: string, result: Record<string, XmlValue>, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NS}">` +
    `<${action}Result>${render(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>\n`
  );
}

/** Renders STS's `<ErrorResponse>` document for an AwsError. */
export function stsErrorXml(err: AwsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_NS}">` +
    `<Error><Type>${err.type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId>` +
    `</ErrorResponse>\n`
  );
}
