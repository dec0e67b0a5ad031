// Just enough XML for AWS query-protocol replies: the text of a named element, entities decoded.
// The replies are flat, machine-written documents; no attributes, CDATA or comments are read.

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five named entities and numeric references (&#65; &#x41;); an unknown entity stays as written. */
export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

/** The decoded text of the first <name>…</name> in `xml` (optionally with attributes), or undefined when absent. */
export function xmlField(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : decodeXml(m[1]);
}

/** The raw inner XML of the first <name>…</name> in `xml`, for reading fields of one nested element. */
export function xmlElement(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
}
