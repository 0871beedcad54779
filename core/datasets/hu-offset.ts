/** Default for 16-bit images: stored value = HU + 1024, the convention of lung-ct and of most CT exports. */
export const DEFAULT_HU_OFFSET = 1024;
