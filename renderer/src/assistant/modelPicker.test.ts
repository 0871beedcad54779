import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../core/contract/models';
import { modelLabel, modelOptions } from './modelPicker';

const entry = (patch: Partial<ModelEntry>): ModelEntry => ({
  id: 'bundled:vesalius-vlm-0.3.0',
  name: 'vesalius-vlm-0.3.0',
  version: '0.3.0',
  source: 'bundled',
  dir: '/app/models/vesalius-vlm-0.3.0',
  tasks: ['caption', 'vqa', 'segment', 'embed'],
  segmentPrompts: ['lung'],
  problem: null,
  testOnly: false,
  ...patch,
});

describe('model picker options', () => {
  it('names each model with its version and source; a broken one is disabled with its problem as the tooltip', () => {
    const options = modelOptions({
      models: [
        entry({}),
        entry({ id: 'user:my-tiny', name: 'my-tiny', version: '0.3.0-tiny', source: 'user', dir: '/home/models/my-tiny' }),
        entry({ id: 'user:half', name: 'half', version: null, source: 'user', dir: '/home/models/half', tasks: [], problem: 'half: config.json: file is missing' }),
      ],
      selectedId: 'user:my-tiny',
      notice: null,
    });
    expect(options).toEqual([
      { id: 'bundled:vesalius-vlm-0.3.0', label: 'vesalius-vlm-0.3.0 0.3.0 (bundled)', disabled: false, title: '/app/models/vesalius-vlm-0.3.0' },
      { id: 'user:my-tiny', label: 'my-tiny 0.3.0-tiny (your models)', disabled: false, title: '/home/models/my-tiny' },
      { id: 'user:half', label: 'half (your models)', disabled: true, title: 'half: config.json: file is missing' },
    ]);
  });

  it('names a folder the app was started with as such', () => {
    expect(modelLabel({ name: 'given', version: '0.2.0', source: 'folder', testOnly: false })).toBe('given 0.2.0 (given folder)');
  });

  it('marks a test model (listed only when the app was started with it)', () => {
    expect(modelLabel({ name: 'tiny-random', version: '0.3.0-tiny', source: 'folder', testOnly: true })).toBe('tiny-random 0.3.0-tiny (given folder, test model)');
  });
});
