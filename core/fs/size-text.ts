/** A size as a refusal states it: in GiB or MiB when it is a whole number of them, else in bytes. */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3} GiB` : bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes} bytes`;
