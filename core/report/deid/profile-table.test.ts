import { describe, expect, it } from 'vitest';
import { profileRowOf, profileRows } from './profile-table';
import { isSafePrivate, safePrivateAttributes } from './safe-private';
import { BASIC_PROFILE_CODE, optionCodes } from './method-codes';

const tag = (group: number, element: number): number => ((group << 16) | element) >>> 0;

describe('PS3.15 Table E.1-1 as data', () => {
  it('holds every transcribed row once (441 besides the private-attributes row)', () => {
    expect(profileRows).toHaveLength(441);
    expect(new Set(profileRows.map((r) => r.tag)).size).toBe(profileRows.length);
  });

  it.each([
    [tag(0x0010, 0x0010), "Patient's Name", 'Z', {}],
    [tag(0x0010, 0x0020), 'Patient ID', 'Z', {}],
    [tag(0x0010, 0x0030), "Patient's Birth Date", 'Z', {}],
    [tag(0x0010, 0x0040), "Patient's Sex", 'Z', { 'retain-patient-characteristics': 'K' }],
    [tag(0x0010, 0x1010), "Patient's Age", 'X', { 'retain-patient-characteristics': 'K' }],
    [tag(0x0008, 0x0050), 'Accession Number', 'Z', {}],
    [tag(0x0008, 0x0018), 'SOP Instance UID', 'U', { 'retain-uids': 'K' }],
    [tag(0x0020, 0x000d), 'Study Instance UID', 'U', { 'retain-uids': 'K' }],
    [tag(0x0020, 0x000e), 'Series Instance UID', 'U', { 'retain-uids': 'K' }],
    [tag(0x0020, 0x0052), 'Frame of Reference UID', 'U', { 'retain-uids': 'K' }],
    [tag(0x0008, 0x1155), 'Referenced SOP Instance UID', 'U', { 'retain-uids': 'K' }],
    [tag(0x0008, 0x1140), 'Referenced Image Sequence', 'X/Z/U*', { 'retain-uids': 'K' }],
    [tag(0x0008, 0x1120), 'Referenced Patient Sequence', 'X', { 'retain-uids': 'X' }],
    [tag(0x0008, 0x0020), 'Study Date', 'Z', { 'modified-dates': 'C', 'retain-full-dates': 'K' }],
    [tag(0x0008, 0x0201), 'Timezone Offset From UTC', 'X', { 'modified-dates': 'C', 'retain-full-dates': 'K' }],
    [tag(0x0008, 0x0023), 'Content Date', 'Z/D', { 'modified-dates': 'C' }],
    [tag(0x0008, 0x002a), 'Acquisition DateTime', 'X/Z/D', { 'modified-dates': 'C' }],
    [tag(0x0008, 0x0080), 'Institution Name', 'X/Z/D', { 'retain-institution-identity': 'K' }],
    [tag(0x0008, 0x1040), 'Institutional Department Name', 'X', { 'retain-institution-identity': 'K' }],
    [tag(0x0012, 0x0031), 'Clinical Trial Site Name', 'Z', { 'retain-institution-identity': 'K' }],
    [tag(0x0008, 0x0090), "Referring Physician's Name", 'Z', {}],
    [tag(0x0008, 0x1030), 'Study Description', 'X', { 'clean-descriptions': 'C' }],
    [tag(0x0020, 0x4000), 'Image Comments', 'X', { 'clean-descriptions': 'C' }],
    [tag(0x0018, 0x1000), 'Device Serial Number', 'X/Z/D', { 'retain-device-identity': 'K' }],
    [tag(0x0018, 0x1030), 'Protocol Name', 'X/D', { 'clean-descriptions': 'C' }],
    [tag(0x0040, 0xa730), 'Content Sequence', 'D', {}],
    [tag(0x0040, 0x0275), 'Request Attributes Sequence', 'X', { 'clean-descriptions': 'C' }],
    [tag(0xfffa, 0xfffa), 'Digital Signatures Sequence', 'X', {}],
    [tag(0x0400, 0x0561), 'Original Attributes Sequence', 'X', {}],
  ])('row %s: %s is %s', (t, name, basic, options) => {
    const row = profileRowOf(t);
    expect(row).toMatchObject({ name, basic, options });
  });

  it('matches the repeating groups: every curve element and overlay data and comments in any overlay group', () => {
    expect(profileRowOf(tag(0x5000, 0x3000))?.name).toBe('Curve Data');
    expect(profileRowOf(tag(0x501e, 0x0022))?.name).toBe('Curve Data');
    expect(profileRowOf(tag(0x6002, 0x3000))).toMatchObject({ name: 'Overlay Data', basic: 'X' });
    expect(profileRowOf(tag(0x6000, 0x4000))).toMatchObject({ name: 'Overlay Comments', basic: 'X' });
  });

  it('does not list structural attributes', () => {
    expect(profileRowOf(tag(0x0008, 0x0016))).toBeUndefined(); // SOP Class UID
    expect(profileRowOf(tag(0x0028, 0x0010))).toBeUndefined(); // Rows
    expect(profileRowOf(tag(0x7fe0, 0x0010))).toBeUndefined(); // Pixel Data
  });
});

describe('Retain Safe Private allow-list and CID 7050', () => {
  it('keeps only listed (creator, group, element) triples', () => {
    expect(safePrivateAttributes.length).toBeGreaterThan(20);
    expect(isSafePrivate(0x0043, 'GEMS_PARM_01', 0x27)).toBe(true);
    expect(isSafePrivate(0x0043, 'GEMS_PARM_01', 0x28)).toBe(false);
    expect(isSafePrivate(0x0043, 'OTHER VENDOR', 0x27)).toBe(false);
  });

  it('marks Retain Full Dates on exactly the rows Modified Dates cleans, and Retain Institution Identity on nine', () => {
    expect(profileRows.filter((r) => r.options['retain-full-dates'] === 'K').map((r) => r.tag)).toEqual(profileRows.filter((r) => r.options['modified-dates'] === 'C').map((r) => r.tag));
    expect(profileRows.filter((r) => r.options['retain-institution-identity'] === 'K').map((r) => r.tag)).toEqual(['(0008,0080)', '(0008,0081)', '(0008,0082)', '(0008,1040)', '(0008,1041)', '(0012,0030)', '(0012,0031)', '(0012,0060)', '(0012,0081)']);
  });

  it('codes the profile and each option in DCM', () => {
    expect(optionCodes['retain-full-dates'].value).toBe('113106');
    expect(optionCodes['retain-institution-identity'].value).toBe('113112');
    expect(optionCodes['clean-descriptions'].value).toBe('113105');
    expect(BASIC_PROFILE_CODE.value).toBe('113100');
    expect(optionCodes['retain-safe-private'].value).toBe('113111');
    expect(optionCodes['modified-dates'].value).toBe('113107');
    expect(optionCodes['retain-uids'].value).toBe('113110');
  });
});
