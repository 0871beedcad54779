// Path grants: Vesalius reads only files and folders the user chose. Checked on real paths, so
// `..` segments and symbolic links cannot lead outside a granted root.
import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * The real path of `p`: symbolic links resolved for the part that exists, the rest appended as
 * written (after `..` is folded), so a path that does not exist yet still resolves through its
 * real parent.
 */
export function realPathOf(p: string): string {
  const absolute = path.resolve(p);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(realpathSync.native(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/** True when `realPath` is `root` itself or lies inside it (both already real). */
export function isInside(realPath: string, root: string): boolean {
  if (realPath === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return realPath.startsWith(prefix);
}

/** The message for a refused path: names it and says what to do. */
export const notGrantedMessage = (p: string): string =>
  `${p}: not inside a folder you opened or granted (open it with the Open button, drop it on the window, type it into a path field, or pass it on the command line)`;
