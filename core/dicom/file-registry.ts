import { randomBytes } from 'node:crypto';

/**
 * Maps opaque, unguessable file keys to absolute paths, so a host serves file bytes
 * only for files the importer found (by key), never for a path sent by the page.
 */
export class FileRegistry {
  private readonly pathByKey = new Map<string, string>();
  private readonly keyByPath = new Map<string, string>();

  /** Returns the key for this file, the same one each time the same path is registered. */
  register(absPath: string): string {
    const known = this.keyByPath.get(absPath);
    if (known !== undefined) return known;
    // 18 random bytes -> 24 base64url characters ([A-Za-z0-9_-]), never reused within a process.
    let fileKey = randomBytes(18).toString('base64url');
    while (this.pathByKey.has(fileKey)) fileKey = randomBytes(18).toString('base64url');
    this.pathByKey.set(fileKey, absPath);
    this.keyByPath.set(absPath, fileKey);
    return fileKey;
  }

  resolve(fileKey: string): string | undefined {
    return this.pathByKey.get(fileKey);
  }

  get size(): number {
    return this.pathByKey.size;
  }
}
