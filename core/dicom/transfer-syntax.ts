/** Transfer syntaxes by UID, with a readable name; the flag says whether the viewer's codecs can decode it. */
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

// What cornerstone's dicom-image-loader decodes (its decodeImageFrame switch), restricted to the
// syntaxes we have codecs for in the renderer.
const supported: Record<string, string> = {
  [IMPLICIT_LE]: 'Implicit VR Little Endian',
  [EXPLICIT_LE]: 'Explicit VR Little Endian',
  [DEFLATED_LE]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_BE]: 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  [RLE_LOSSLESS]: 'RLE Lossless',
};

const unsupportedNames: Record<string, string> = {
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (3,5)',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.1.98': 'Encapsulated Uncompressed Explicit VR Little Endian',
};

export const isSupportedTransferSyntax = (uid: string): boolean => Object.hasOwn(supported, uid);

/** The syntax's name from the standard, or null for a UID we do not know. */
export const knownTransferSyntaxName = (uid: string): string | null => supported[uid] ?? unsupportedNames[uid] ?? null;

export const transferSyntaxName = (uid: string): string => knownTransferSyntaxName(uid) ?? 'unknown transfer syntax';

/** Syntaxes whose data set (after the meta header) is encoded explicit VR little endian, possibly deflated. */
export const isBigEndian = (uid: string): boolean => uid === EXPLICIT_BE;
