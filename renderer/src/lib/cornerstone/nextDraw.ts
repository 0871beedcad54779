import { Enums } from '@cornerstonejs/core';

/**
 * Resolves at the element's next IMAGE_RENDERED (cornerstone draws in an animation frame, so the
 * draw a call asked for is the next one); rejects when none comes within `limitMs`.
 */
export function nextDraw(element: HTMLElement, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
      resolve();
    };
    const timer = setTimeout(() => {
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
      reject(new Error(`no frame drawn within ${limitMs / 1000} s`));
    }, limitMs);
    element.addEventListener(Enums.Events.IMAGE_RENDERED, done);
  });
}
