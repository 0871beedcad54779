import { describe, expect, it } from 'vitest';
import { layoutPanes } from '../viewer/layout';
import { captureTarget, keyImageStartCaption, viewUnder, type ClosestLookup } from './keyImageView';

describe('captureTarget', () => {
  it('takes the view last pointed at while it is on screen', () => {
    expect(captureTarget(layoutPanes('2x2'), 'sagittal')).toBe('sagittal');
    expect(captureTarget(layoutPanes('2x2'), 'stack')).toBe('stack');
    expect(captureTarget(layoutPanes('1x3'), 'coronal')).toBe('coronal');
  });

  it('falls back to the stack where shown, else the axial view, when the view pointed at is not on screen', () => {
    expect(captureTarget(layoutPanes('1x1'), 'sagittal')).toBe('stack');
    expect(captureTarget(layoutPanes('1x3'), 'stack')).toBe('axial');
    expect(captureTarget(layoutPanes('2x2'), null)).toBe('stack');
    expect(captureTarget(layoutPanes('1x3'), null)).toBe('axial');
  });
});

/** A stand-in for a DOM element nested in the elements matching `inside` (selector → its attributes). */
const nodeIn = (inside: Record<string, Record<string, string>>): ClosestLookup => ({
  closest: (selector) => (inside[selector] ? { getAttribute: (name) => inside[selector][name] ?? null } : null),
});

describe('viewUnder', () => {
  it('names the volume view from its data-axis, and the stack from its viewport element', () => {
    expect(viewUnder(nodeIn({ '[data-axis]': { 'data-axis': 'coronal' } }))).toBe('coronal');
    expect(viewUnder(nodeIn({ '[data-testid="viewport"]': {} }))).toBe('stack');
  });

  it('is null outside any view (the dock, the toolbar) and for an unknown axis', () => {
    expect(viewUnder(nodeIn({}))).toBeNull();
    expect(viewUnder(nodeIn({ '[data-axis]': { 'data-axis': 'oblique' } }))).toBeNull();
    expect(viewUnder(null)).toBeNull();
  });
});

it('starts a key image caption with its view and slice', () => {
  expect(keyImageStartCaption('sagittal', { number: 120, count: 256 })).toBe('Sagittal slice 120 of 256');
  expect(keyImageStartCaption('stack', { number: 3, count: 40 })).toBe('Stack slice 3 of 40');
});
