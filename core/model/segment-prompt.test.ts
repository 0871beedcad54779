import { describe, expect, it } from 'vitest';
import { declaredPrompt } from './segment-prompt';

const declared = ['lung', 'left lung', 'right lung'];

describe('declaredPrompt (interface 0.3 prompt rule)', () => {
  it('takes a declared prompt trimmed and lower-cased, exactly', () => {
    expect(declaredPrompt(declared, '  Left LUNG ')).toEqual({ ok: true, prompt: 'left lung' });
    expect(declaredPrompt(declared, 'lung')).toEqual({ ok: true, prompt: 'lung' });
  });

  it('refuses anything else, naming the supported prompts', () => {
    expect(declaredPrompt(declared, ' lungs ')).toEqual({ ok: false, message: 'unknown prompt "lungs"; this model segments: lung, left lung, right lung' });
    // Not a prefix, not a word of it, and inner spacing is not normalised.
    expect(declaredPrompt(declared, 'left  lung').ok).toBe(false);
    expect(declaredPrompt(declared, 'left').ok).toBe(false);
    expect(declaredPrompt([], 'lung')).toEqual({ ok: false, message: 'unknown prompt "lung"; this model segments: (nothing: the model declares no prompts)' });
  });
});
