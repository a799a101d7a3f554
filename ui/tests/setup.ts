// jsdom has no layout. virtua needs ResizeObserver (without it: "ResizeObserver is not a
// constructor") and renders rows only once it has seen a viewport size, so this stub reports
// every observed element as 800×600 once, asynchronously, like the real observer's first call.
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/svelte';

export const VIEWPORT = { width: 800, height: 600 };

class ResizeObserverStub {
  #callback: ResizeObserverCallback;
  #observed = new Set<Element>();
  constructor(callback: ResizeObserverCallback) {
    this.#callback = callback;
  }
  observe(target: Element) {
    this.#observed.add(target);
    setTimeout(() => {
      if (!this.#observed.has(target)) return;
      const entry = { target, contentRect: { ...VIEWPORT, x: 0, y: 0, top: 0, left: 0, bottom: VIEWPORT.height, right: VIEWPORT.width } };
      this.#callback([entry as unknown as ResizeObserverEntry], this as unknown as ResizeObserver);
    }, 0);
  }
  unobserve(target: Element) {
    this.#observed.delete(target);
  }
  disconnect() {
    this.#observed.clear();
  }
}

globalThis.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;

afterEach(() => cleanup());
