import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./test/fake-electron'));

import type { BrowserWindow } from 'electron';
import { pickPathsWithDialog } from './pick-paths';
import { BrowserWindow as FakeBrowserWindow, dialog } from './test/fake-electron';

describe('pickPathsWithDialog', () => {
  beforeEach(() => {
    dialog.calls.length = 0;
  });

  it('opens a folder picker attached to the window and returns the chosen paths', async () => {
    const window = new FakeBrowserWindow({});
    dialog.nextResult = { canceled: false, filePaths: ['/data/ct'] };
    expect(await pickPathsWithDialog(window as unknown as BrowserWindow, 'folder')).toEqual(['/data/ct']);
    const [parent, options] = dialog.calls[0] as [unknown, { properties: string[] }];
    expect(parent).toBe(window);
    expect(options.properties).toContain('openDirectory');
    expect(options.properties).not.toContain('openFile');
  });

  it('opens a file picker, and a cancelled dialog gives no paths', async () => {
    dialog.nextResult = { canceled: true, filePaths: ['/ignored'] };
    expect(await pickPathsWithDialog(null, 'files')).toEqual([]);
    const [options] = dialog.calls[0] as [{ properties: string[] }];
    expect(options.properties).toContain('openFile');
  });
});
