import path from 'node:path';

/** The real CT series inside the data directory (see the data README). */
export const realCtSampleDir = (dataDir: string): string => path.join(dataDir, 'dicom', 'ct-series-totalseg');
