// The images search indexes, read from the catalog: every instance whose file is present, with what a search
// hit shows. One embedding per instance: frame 1 of a single-frame file, the middle frame of a multi-frame one
// (core/search/README.md says why).
import type { Catalog } from '../catalog/catalog';
import { databaseError } from '../db/open-database';
import type { FileStamp, ImageRef } from './embedding-store';

export interface CatalogImage extends ImageRef, FileStamp {
  numberOfFrames: number;
  seriesKey: string;
  studyKey: string;
  sopInstanceUid: string;
  fileKey: string;
  modality: string;
  /** The series description. */
  description: string;
}

/** The 1-based frame indexed for an instance of `numberOfFrames` frames: the middle one (frame 1 of 1). */
export const indexedFrame = (numberOfFrames: number): number => Math.max(1, Math.ceil(numberOfFrames / 2));

interface Row {
  path: string;
  size: number;
  mtime_ms: number;
  number_of_frames: number;
  series_key: string;
  study_key: string;
  sop_instance_uid: string;
  file_key: string;
  modality: string;
  description: string;
}

const SELECT_IMAGES = `SELECT f.path, f.size, f.mtime_ms, i.number_of_frames, s.series_key, st.study_key, i.sop_instance_uid, i.file_key, s.modality, s.description
  FROM instances i JOIN files f ON f.id = i.file_row JOIN series s ON s.id = i.series_row JOIN studies st ON st.id = s.study_row
  WHERE f.status = 'present'`;

/** Every catalogued image whose file is present, ordered by file path. */
export function catalogImages(catalog: Catalog): CatalogImage[] {
  return [...catalogImagePages(catalog)].flat();
}

/**
 * The same images, `pageRows` at a time (pages by file path, the files table's unique index): a caller that
 * yields between pages keeps the service answering while 100k rows are listed.
 */
export function* catalogImagePages(catalog: Catalog, pageRows = -1): Generator<CatalogImage[]> {
  const page = (after: string): Row[] => {
    try {
      return catalog.db.prepare<[string, number], Row>(`${SELECT_IMAGES} AND f.path > ? ORDER BY f.path LIMIT ?`).all(after, pageRows);
    } catch (e) {
      throw databaseError(catalog.file, 'list the catalogued images', e);
    }
  };
  for (let rows = page(''); rows.length > 0; rows = pageRows < 0 || rows.length < pageRows ? [] : page(rows[rows.length - 1].path)) {
    yield rows.map(imageOfRow);
  }
}

/** The present catalogued image of this SOP Instance UID or file path (in this series, when given), or undefined. */
export function findCatalogImage(catalog: Catalog, where: { seriesKey?: string; sopInstanceUid?: string; filePath?: string }): CatalogImage | undefined {
  const columns = { seriesKey: 's.series_key', sopInstanceUid: 'i.sop_instance_uid', filePath: 'f.path' } as const;
  const given = (Object.keys(columns) as Array<keyof typeof columns>).filter((name) => where[name] !== undefined);
  const sql = `${SELECT_IMAGES}${given.map((name) => ` AND ${columns[name]} = ?`).join('')} LIMIT 1`;
  try {
    const row = catalog.db.prepare<string[], Row>(sql).get(...given.map((name) => where[name]!));
    return row ? imageOfRow(row) : undefined;
  } catch (e) {
    throw databaseError(catalog.file, 'look up a catalogued image', e);
  }
}

function imageOfRow(r: Row): CatalogImage {
  return {
    filePath: r.path,
    frame: indexedFrame(r.number_of_frames),
    size: r.size,
    mtimeMs: r.mtime_ms,
    numberOfFrames: r.number_of_frames,
    seriesKey: r.series_key,
    studyKey: r.study_key,
    sopInstanceUid: r.sop_instance_uid,
    fileKey: r.file_key,
    modality: r.modality,
    description: r.description,
  };
}

/** Changes whenever another process commits to the catalog (this process's own imports emit catalog.changed). */
export const catalogDataVersion = (catalog: Catalog): number => catalog.db.pragma('data_version', { simple: true }) as number;
