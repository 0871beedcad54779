import type { Attachment } from 'svelte/attachments';

/**
 * Makes an element a drop target for files and folders. Only Electron can turn a dropped
 * File into a path; elsewhere the callback receives an empty list so the UI can explain.
 */
export function dropPaths(
  getPathForFile: ((file: File) => string) | null,
  onPaths: (paths: string[]) => void,
): Attachment<HTMLElement> {
  return (element) => {
    const onDragOver = (event: DragEvent) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      const files = event.dataTransfer?.files;
      if (!files?.length) return;
      event.preventDefault();
      const paths = getPathForFile ? Array.from(files, (file) => getPathForFile(file)).filter((p) => p.length > 0) : [];
      onPaths(paths);
    };
    element.addEventListener('dragover', onDragOver);
    element.addEventListener('drop', onDrop);
    return () => {
      element.removeEventListener('dragover', onDragOver);
      element.removeEventListener('drop', onDrop);
    };
  };
}
