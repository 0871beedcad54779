import { describe, expect, it } from 'vitest';
import type { AssistantStatus } from '../../../core/contract/assistant';
import { classifyOffer, dockOffers, promptToKeep } from './dockOffers';

const status = (patch: Partial<AssistantStatus>): AssistantStatus => ({
  model: 'vlm',
  version: '0.3.0',
  description: null,
  parameters: null,
  loaded: false,
  segmentPrompts: ['lung', 'left lung'],
  tasks: ['caption', 'vqa', 'segment'],
  problem: null,
  ...patch,
});

describe('dockOffers', () => {
  it('offers every task a model declares, with its declared prompts only', () => {
    expect(dockOffers(status({}))).toEqual({ caption: null, ask: null, segment: null, prompts: ['lung', 'left lung'] });
  });

  it('offers no Segment for a model without a mask head, and says why', () => {
    const offers = dockOffers(status({ tasks: ['caption', 'vqa', 'embed'] }));
    expect(offers.segment).toBe('vlm has no mask head: it does not segment');
    expect(offers.caption).toBeNull();
    expect(offers.ask).toBeNull();
  });

  it('offers no Segment when the model declares no prompts', () => {
    expect(dockOffers(status({ segmentPrompts: [] })).segment).toBe('vlm declares no structures to segment');
  });

  it('follows the declared tasks for Ask and Describe', () => {
    const offers = dockOffers(status({ tasks: ['segment'] }));
    expect(offers).toMatchObject({ caption: 'vlm does not describe images', ask: 'vlm does not answer questions', segment: null });
  });

  it('keeps every action while the status is unknown or has a problem: the request names it', () => {
    expect(dockOffers(null)).toEqual({ caption: null, ask: null, segment: null, prompts: [] });
    expect(dockOffers(status({ tasks: [], segmentPrompts: [], problem: 'tokenizer.json is not JSON' }))).toEqual({ caption: null, ask: null, segment: null, prompts: [] });
  });
});

describe('promptToKeep', () => {
  it('keeps a declared prompt, else takes the first declared one', () => {
    expect(promptToKeep('left lung', ['lung', 'left lung'])).toBe('left lung');
    expect(promptToKeep('liver', ['lung', 'left lung'])).toBe('lung');
    expect(promptToKeep('lung', [])).toBe('');
  });
});

describe('classifyOffer', () => {
  it('offers Classify only to a model with embeddings, else says why; keeps it while the status is unknown or has a problem', () => {
    expect(classifyOffer(status({ tasks: ['caption', 'vqa', 'segment', 'embed'] }))).toBeNull();
    expect(classifyOffer(status({ tasks: ['caption', 'vqa', 'segment'] }))).toBe('vlm has no image–text embeddings: it does not classify');
    expect(classifyOffer(null)).toBeNull();
    expect(classifyOffer(status({ tasks: [], problem: 'config.json is not JSON' }))).toBeNull();
  });
});
