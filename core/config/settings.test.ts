import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SETTINGS_BYTES, readSettings, SETTINGS_FILE, updateSettings } from './settings';

// settings.json is untrusted input: whatever is found at that name is read only when it is a small regular file.
describe('readSettings / updateSettings', () => {
  const homes: string[] = [];
  const newHome = (): string => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'vesalius-settings-'));
    homes.push(home);
    return home;
  };
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('reads what it wrote, keeps keys it does not know, and says nothing when there is no file', () => {
    const home = newHome();
    expect(readSettings(home)).toEqual({ settings: {}, problem: null });
    writeFileSync(path.join(home, SETTINGS_FILE), JSON.stringify({ newerKey: [1, 2] }));
    updateSettings(home, { assistantModel: 'user:my-model' });
    expect(readSettings(home)).toEqual({ settings: { newerKey: [1, 2], assistantModel: 'user:my-model' }, problem: null });
  });

  it('refuses a field of the wrong type, naming it', () => {
    const home = newHome();
    writeFileSync(path.join(home, SETTINGS_FILE), JSON.stringify({ assistantModel: 7 }));
    const read = readSettings(home);
    expect(read.settings).toEqual({});
    expect(read.problem).toMatch(/settings\.json: assistantModel: .*settings are not read from it$/);
  });

  it('does not read a file larger than a settings file can be', () => {
    const home = newHome();
    const padding = ' '.repeat(MAX_SETTINGS_BYTES);
    writeFileSync(path.join(home, SETTINGS_FILE), `{"assistantModel": "user:big"${padding}}`);
    const read = readSettings(home);
    expect(read.settings).toEqual({});
    expect(read.problem).toMatch(new RegExp(`settings\\.json: is ${MAX_SETTINGS_BYTES + 30} bytes, more than the ${MAX_SETTINGS_BYTES}`));
    // The next choice replaces it with a small file again.
    updateSettings(home, { assistantModel: 'user:small' });
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({ assistantModel: 'user:small' });
  });

  it('does not read a folder or a link named settings.json', () => {
    const folderHome = newHome();
    mkdirSync(path.join(folderHome, SETTINGS_FILE));
    expect(readSettings(folderHome)).toEqual({ settings: {}, problem: `${path.join(folderHome, SETTINGS_FILE)}: is not a regular file; settings are not read from it` });

    const linkHome = newHome();
    const elsewhere = path.join(newHome(), 'other.json');
    writeFileSync(elsewhere, JSON.stringify({ assistantModel: 'user:from-elsewhere' }));
    symlinkSync(elsewhere, path.join(linkHome, SETTINGS_FILE));
    expect(readSettings(linkHome)).toEqual({ settings: {}, problem: `${path.join(linkHome, SETTINGS_FILE)}: is not a regular file; settings are not read from it` });
  });
});
