import { describe, expect, it } from 'vitest';

// Every source file's text, keyed by path relative to this folder ("../src/...").
const sources = import.meta.glob<string>('../src/**/*.{ts,js,svelte}', {
  query: '?raw',
  import: 'default',
  eager: true,
});

describe('boundaries', () => {
  it('reads the sources', () => {
    expect(Object.keys(sources)).toContain('../src/lib/backend/tauri.ts');
  });

  it('only src/lib/backend/ imports @tauri-apps/api (DESIGN.md §3)', () => {
    const offenders = Object.entries(sources)
      .filter(([path, text]) => !path.startsWith('../src/lib/backend/') && text.includes('@tauri-apps/api'))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it('no component renders raw HTML with {@html}', () => {
    const offenders = Object.entries(sources)
      .filter(([path, text]) => path.endsWith('.svelte') && text.includes('{@html'))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
