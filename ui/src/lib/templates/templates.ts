// Templates (types generated from crates/store templates.rs), the variable list of crates/core
// template.rs, and the editor's checks (the backend checks again on save).
export type { Template, TemplateVariant } from '../backend/generated/types';

/** crates/core template::VARIABLES; template_list's own list wins when it has one. */
export const VARIABLES: readonly [string, string][] = [
  ['first_name', "the customer's first name (else their handle)"],
  ['last_name', "the customer's last name"],
  ['name', "the customer's full name (else their handle)"],
  ['case_ref', 'the case reference, e.g. #123'],
  ['subject', 'the case subject'],
  ['business_name', 'the business_name setting'],
  ['agent_name', 'the agent_name setting'],
  ['channel', 'the channel the reply goes out on'],
];

export const VARIANT_HELP: Record<string, string> = {
  default: 'used when nothing more specific exists',
  public: 'a short public reply (a post everyone sees)',
  private: 'a longer private reply (email or DM)',
};

export const VARIANT_ORDER = ['default', 'public', 'private'];

/**
 * Problems a body has, as the backend would name them: unknown variables, stray braces, empty
 * body. `{{` and `}}` are literal braces.
 */
export function bodyProblems(body: string): string[] {
  if (!body.trim()) return ['The body is empty.'];
  const known = new Set(VARIABLES.map(([n]) => n));
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if ((c === '{' || c === '}') && body[i + 1] === c) {
      i += 2;
      continue;
    }
    if (c === '}') {
      out.push(`A “}” at position ${i + 1} has no “{”; write }} for a literal brace.`);
      i += 1;
      continue;
    }
    if (c === '{') {
      const rest = body.slice(i + 1);
      const close = rest.search(/[{}]/);
      if (close < 0 || rest[close] !== '}') {
        out.push(`A “{” at position ${i + 1} is not closed; write {{ for a literal brace.`);
        i += 1;
        continue;
      }
      const name = rest.slice(0, close).trim();
      if (!known.has(name)) out.push(`Unknown variable {${name}}.`);
      i += close + 2;
      continue;
    }
    i += 1;
  }
  return out;
}

/** Variant names: the generic ones or a channel name (lowercase letters, digits, _). */
export function variantProblem(name: string): string | null {
  return /^[a-z0-9_]{1,32}$/.test(name) ? null : `“${name}” is not a variant name: use default, public, private or a channel name.`;
}

/** Inserts `{name}` at the cursor position of a body. */
export function insertVariable(body: string, at: number, name: string): { body: string; cursor: number } {
  const token = `{${name}}`;
  const pos = Math.max(0, Math.min(body.length, at));
  return { body: body.slice(0, pos) + token + body.slice(pos), cursor: pos + token.length };
}

/** The variant to add next: the first of default/public/private not yet present, else a channel. */
export function nextVariant(existing: string[]): string {
  return VARIANT_ORDER.find((v) => !existing.includes(v)) ?? 'email';
}

/** Example values for the live preview (a real case renders through template_render). */
export const SAMPLE_VALUES: Record<string, string> = {
  first_name: 'Maria',
  last_name: 'Lopez',
  name: 'Maria Lopez',
  case_ref: '#123',
  subject: 'Where is my order?',
  business_name: 'Your shop',
  agent_name: 'Alex',
  channel: 'email',
  offline_route: "we've emailed you",
};

/** Fills a body with `values`; unknown variables stay as written (the problems list names them). */
export function renderSample(body: string, values: Record<string, string> = SAMPLE_VALUES): string {
  return body.replace(/\{\{|\}\}|\{\s*([a-z_]+)\s*\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    return name !== undefined && name in values ? values[name] : m;
  });
}
