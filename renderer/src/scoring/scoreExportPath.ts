// The file a score export writes: the path the person typed, with the chosen format's extension.

export type ScoreFileFormat = 'csv' | 'json';

/**
 * `typed` with its .csv / .json extension replaced by the format's, or the extension added when it has
 * neither (so one path field serves both buttons: scores.csv and scores.json side by side).
 */
export function scoreFilePath(typed: string, format: ScoreFileFormat): string {
  const trimmed = typed.trim();
  const bare = trimmed.replace(/\.(csv|json)$/i, '');
  return `${bare}.${format}`;
}

/** The path offered for a folder picked in the native dialog. */
export function scoreFileIn(folder: string, name: string): string {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  const base = folder.endsWith(separator) ? folder.slice(0, -1) : folder;
  return `${base}${separator}${name}.csv`;
}
