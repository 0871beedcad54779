import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VESALIUS_VERSION } from './version';

describe('VESALIUS_VERSION', () => {
  it('is the version package.json declares', () => {
    const declared = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(VESALIUS_VERSION).toBe(declared);
  });
});
