/**
 * The policy inside an email's iframe: nothing loads except inline styles and embedded
 * (data:/cid:) images. Remote images stay blocked until the user allows them for the sender.
 */
export const EMAIL_CSP = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";

/** The policy once the user has allowed remote images for this sender: images only, still no scripts. */
export const EMAIL_CSP_REMOTE_IMAGES = "default-src 'none'; img-src data: cid: https: http:; style-src 'unsafe-inline'";

const BASE_STYLE =
  'body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;overflow-wrap:anywhere}' +
  'img{max-width:100%;height:auto}blockquote{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #d1d5db;color:#4b5563}' +
  'img[data-src]{display:inline-block;min-width:16px;min-height:16px;background:#f3f4f6;outline:1px dashed #d1d5db}';

export interface BlockedHtml {
  html: string;
  /** How many remote image references were disarmed. */
  blocked: number;
}

/**
 * The scheme a browser's URL parser finds in `value` (lowercased), or null for a relative URL.
 * Done the way the WHATWG URL parser does it, because that is what the frame will do: leading
 * and trailing control characters and spaces are stripped, tabs and newlines anywhere are
 * dropped, and the scheme is case-insensitive. So `HTTPS:\\host\x.gif` and `https:host/x` (which
 * a browser fetches as `https://host/…`) are seen as https, and ` jav\tascript:` as javascript.
 */
export function urlScheme(value: string): string | null {
  const url = value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return m ? m[1].toLowerCase() : null;
}

/**
 * Whether an image reference stays inside the message: `data:` and `cid:` only. Everything
 * else is disarmed, however it is spelt: http(s) in any case or slash style, protocol-relative
 * (`//host`), and relative paths (they would resolve against the app's own origin).
 */
export function isEmbeddedSource(value: string): boolean {
  const scheme = urlScheme(value);
  return scheme === 'data' || scheme === 'cid';
}

/** The URLs of a `srcset`, split the way the HTML spec's srcset parser splits candidates. */
export function srcsetUrls(srcset: string): string[] {
  const urls: string[] = [];
  let i = 0;
  const n = srcset.length;
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  while (i < n) {
    while (i < n && (isSpace(srcset[i]) || srcset[i] === ',')) i += 1;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(srcset[i])) i += 1;
    const url = srcset.slice(start, i);
    if (url.endsWith(',')) {
      urls.push(url.replace(/,+$/, ''));
      continue;
    }
    urls.push(url);
    // Descriptors run to the next comma outside parentheses.
    let depth = 0;
    while (i < n) {
      const c = srcset[i];
      if (c === '(') depth += 1;
      else if (c === ')') depth = Math.max(0, depth - 1);
      else if (c === ',' && depth === 0) break;
      i += 1;
    }
  }
  return urls.filter((u) => u.length > 0);
}

/** CSS as a tokenizer reads it (escapes decoded, comments and whitespace gone, lowercased). */
function cssPlain(css: string): string {
  return css
    .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_, hex: string) => {
      const code = parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    })
    .replace(/\\(.)/g, '$1')
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, '')
    .replace(/\s+/g, '')
    .toLowerCase();
}

const CSS_RESOURCE = /url\(|image\(|image-set\(|src\(|element\(|expression\(/;

/** Whether an inline style names anything to fetch. */
export function styleLoadsResource(style: string): boolean {
  return CSS_RESOURCE.test(cssPlain(style));
}

/**
 * Disarms remote images: `src`/`srcset` that do not stay inside the message move to
 * `data-src`/`data-srcset`, and such `background` attributes and inline styles that name a
 * resource (`url(…)`) are dropped. The CSP alone would already stop the request; rewriting
 * means even a browser that ignores a meta CSP in srcdoc cannot fetch a tracking pixel, and lets
 * the UI count what it blocked. Parsing happens in an inert DOMParser document (no scripts run,
 * nothing loads), never in the app's DOM.
 */
export function blockRemoteImages(html: string): BlockedHtml {
  if (typeof DOMParser === 'undefined') return { html, blocked: 0 };
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let blocked = 0;
  for (const el of Array.from(doc.querySelectorAll('[src], [srcset], [background], [style]'))) {
    const src = el.getAttribute('src');
    if (src !== null && !isEmbeddedSource(src)) {
      el.setAttribute('data-src', src);
      el.removeAttribute('src');
      blocked += 1;
    }
    const srcset = el.getAttribute('srcset');
    if (srcset !== null && !srcsetUrls(srcset).every(isEmbeddedSource)) {
      el.setAttribute('data-srcset', srcset);
      el.removeAttribute('srcset');
      blocked += 1;
    }
    const bg = el.getAttribute('background');
    if (bg !== null && !isEmbeddedSource(bg)) {
      el.removeAttribute('background');
      blocked += 1;
    }
    const style = el.getAttribute('style');
    if (style !== null && styleLoadsResource(style)) {
      el.removeAttribute('style');
      blocked += 1;
    }
  }
  return { html: doc.body.innerHTML, blocked };
}

/**
 * The `srcdoc` for a message's (already sanitized) HTML. The CSP meta comes first, before any
 * content, so it governs everything after it; the iframe's empty `sandbox` keeps scripts and
 * same-origin access off either way. Unless `allowRemote`, remote images are also rewritten away.
 */
export function emailSrcdoc(html: string, allowRemote = false): string {
  const csp = allowRemote ? EMAIL_CSP_REMOTE_IMAGES : EMAIL_CSP;
  const body = allowRemote ? html : blockRemoteImages(html).html;
  return `<meta http-equiv="Content-Security-Policy" content="${csp}">` + `<meta charset="utf-8"><style>${BASE_STYLE}</style>` + body;
}

/** A rough height for the iframe (a sandboxed frame cannot report its own). */
export function estimateHeight(text: string): number {
  // HTML paragraphs carry margins the plain text does not show, hence the generous line height.
  const lines = text.split('\n').reduce((n, l) => n + 1 + Math.floor(l.length / 80), 0);
  return Math.min(640, Math.max(120, lines * 34 + 40));
}
