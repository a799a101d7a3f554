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

const REMOTE = /^\s*(https?:)?\/\//i;

export interface BlockedHtml {
  html: string;
  /** How many remote image references were disarmed. */
  blocked: number;
}

/**
 * Disarms remote images: `src`/`srcset` pointing off-machine move to `data-src`/`data-srcset`, and
 * `background` attributes are dropped. The CSP alone would already stop the request; rewriting
 * means even a browser that ignores a meta CSP in srcdoc cannot fetch a tracking pixel, and lets
 * the UI count what it blocked. Parsing happens in an inert DOMParser document (no scripts run,
 * nothing loads), never in the app's DOM.
 */
export function blockRemoteImages(html: string): BlockedHtml {
  if (typeof DOMParser === 'undefined') return { html, blocked: 0 };
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let blocked = 0;
  for (const el of Array.from(doc.querySelectorAll('[src], [srcset], [background]'))) {
    const src = el.getAttribute('src');
    if (src !== null && REMOTE.test(src)) {
      el.setAttribute('data-src', src);
      el.removeAttribute('src');
      blocked += 1;
    }
    const srcset = el.getAttribute('srcset');
    if (srcset !== null && /(https?:)?\/\//i.test(srcset)) {
      el.setAttribute('data-srcset', srcset);
      el.removeAttribute('srcset');
      blocked += 1;
    }
    const bg = el.getAttribute('background');
    if (bg !== null && REMOTE.test(bg)) {
      el.removeAttribute('background');
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
