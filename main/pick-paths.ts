import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { PickKind } from '../core/services/app-handlers';

/** app.pickPaths in Electron: the native open dialog; a cancelled dialog gives no paths. */
export async function pickPathsWithDialog(window: BrowserWindow | null, kind: PickKind): Promise<string[]> {
  const options: OpenDialogOptions = {
    title: kind === 'folder' ? 'Open DICOM folder' : 'Open DICOM files',
    properties: kind === 'folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
  };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}
