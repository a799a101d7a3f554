/**
 * The policy inside an email's iframe: nothing loads except inline styles and embedded
 * (data:/cid:) images. Remote images stay blocked until per-sender consent exists.
 */
export const EMAIL_CSP = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";

const BASE_STYLE =
  'body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;overflow-wrap:anywhere}' +
  'img{max-width:100%;height:auto}blockquote{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #d1d5db;color:#4b5563}';

/**
 * The `srcdoc` for a message's (already sanitized) HTML. The CSP meta comes first, before any
 * content, so it governs everything after it. The HTML is not parsed or rewritten here: the
 * iframe's empty `sandbox` and the CSP are what keep it inert.
 */
export function emailSrcdoc(html: string): string {
  return (
    `<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP}">` +
    `<meta charset="utf-8"><style>${BASE_STYLE}</style>` +
    html
  );
}

/** A rough height for the iframe (a sandboxed frame cannot report its own). */
export function estimateHeight(text: string): number {
  // HTML paragraphs carry margins the plain text does not show, hence the generous line height.
  const lines = text.split('\n').reduce((n, l) => n + 1 + Math.floor(l.length / 80), 0);
  return Math.min(640, Math.max(120, lines * 34 + 40));
}
