import { describe, expect, it } from 'vitest';

import { blockRemoteImages, isEmbeddedSource, srcsetUrls, styleLoadsResource, urlScheme } from '../src/lib/case/email';

describe('image sources, read the way a browser parses URLs', () => {
  it('finds the scheme through case, stray whitespace and control characters', () => {
    expect(urlScheme('HTTPS:\\\\host\\x.gif')).toBe('https');
    expect(urlScheme('https:host/x')).toBe('https');
    expect(urlScheme('  \u0001hTtP://x/y')).toBe('http');
    expect(urlScheme('ht\ttp\ns://x/y')).toBe('https');
    expect(urlScheme('//cdn.example/a.png')).toBeNull();
    expect(urlScheme('/local.png')).toBeNull();
    expect(urlScheme('CID:logo@x')).toBe('cid');
  });

  it('keeps only data: and cid: as embedded', () => {
    for (const embedded of ['data:image/png;base64,AA==', 'cid:logo', ' CID:logo ', 'Data:image/gif,x']) {
      expect(isEmbeddedSource(embedded), embedded).toBe(true);
    }
    for (const remote of [
      'https://t.example/p.gif',
      'HTTPS:\\\\host\\x.gif',
      'https:host/x',
      'Http:/host/x',
      '//cdn.example/a.png',
      '\\\\host\\x.gif',
      '/relative.png',
      'blob:https://x/1',
      'ftp://x/y',
    ]) {
      expect(isEmbeddedSource(remote), remote).toBe(false);
    }
  });

  it('splits srcset candidates as the HTML parser does', () => {
    expect(srcsetUrls('data:image/png;base64,AA== 1x,https://evil.example/x 2x')).toEqual([
      'data:image/png;base64,AA==',
      'https://evil.example/x',
    ]);
    expect(srcsetUrls('a.png, b.png 2x ,c.png,')).toEqual(['a.png', 'b.png', 'c.png']);
  });
});

describe('blockRemoteImages', () => {
  it('disarms remote images however the URL is spelt', () => {
    const spellings = ['HTTPS:\\\\host\\x.gif', 'https:host/x', 'hTTp:/host/y', ' \thttps://t.example/p.gif', '\\\\host\\z.gif'];
    const html = spellings.map((s) => `<img src="${s}">`).join('') + '<img src="cid:logo"><img src="data:image/png;base64,AA==">';
    const r = blockRemoteImages(html);
    expect(r.blocked).toBe(spellings.length);
    const doc = new DOMParser().parseFromString(r.html, 'text/html');
    const srcs = Array.from(doc.querySelectorAll('img[src]')).map((i) => i.getAttribute('src'));
    expect(srcs).toEqual(['cid:logo', 'data:image/png;base64,AA==']);
    expect(doc.querySelectorAll('img[data-src]').length).toBe(spellings.length);
  });

  it('disarms a srcset that hides a remote candidate behind an embedded one', () => {
    const r = blockRemoteImages('<img srcset="data:image/png;base64,AA== 1x,HTTPS:evil.example/x 2x">');
    expect(r.blocked).toBe(1);
    expect(r.html).not.toContain(' srcset=');
    const kept = blockRemoteImages('<img srcset="data:image/png;base64,AA== 1x">');
    expect(kept.blocked).toBe(0);
  });

  it('drops table backgrounds spelt without slashes', () => {
    const r = blockRemoteImages('<table background="HTTP:bg.example/b.png"><tr><td>x</td></tr></table>');
    expect(r.blocked).toBe(1);
    expect(r.html).not.toContain('background=');
  });

  it('drops inline styles that name something to fetch, escaped or not', () => {
    for (const style of [
      'border: url(https://x.example/a)',
      'border: URL("https://x.example/a")',
      'border: \\75 rl(https://x.example/a)',
      'border: u\\rl(https://x.example/a)',
      'border: -webkit-image-set("https://x.example/a" 1x)',
    ]) {
      expect(styleLoadsResource(style), style).toBe(true);
      const r = blockRemoteImages(`<p style='${style}'>x</p>`);
      expect(r.blocked, style).toBe(1);
      expect(r.html, style).not.toContain('x.example');
    }
    expect(styleLoadsResource('color: rgb(1, 2, 3); font-family: serif')).toBe(false);
    expect(blockRemoteImages('<p style="color:red">x</p>').html).toContain('style="color:red"');
  });
});
