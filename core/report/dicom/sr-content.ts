// Content items of a DICOM Structured Report (PS3.3 C.17.3), naturalised for dcmjs: one builder per value type.
import type { NaturalDataset } from '../../dicom/dcmjs-api';
import { codeItem, ds, personName } from '../../dicom/value-text';

/** A coded concept: value, coding scheme, meaning (PS3.3 8.8). */
export interface SrCode {
  value: string;
  scheme: string;
  meaning: string;
}

export type SrRelationship = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'HAS PROPERTIES' | 'INFERRED FROM' | 'SELECTED FROM';

/** An image (or one frame of it, or one segment of a SEG) an IMAGE content item points at. */
export interface SrImageReference {
  sopClassUid: string;
  sopInstanceUid: string;
  /** 1-based frame of a multi-frame instance; null for a single-frame one. */
  frameNumber: number | null;
  /** SegmentNumber inside a SEG instance (a Referenced Segment item). */
  segmentNumber?: number;
}

/** `name` null: an unnamed item, as the image a SCOORD is selected from is (its Concept Name is 1C). */
const item = (relationship: SrRelationship | null, valueType: string, name: SrCode | null, value: NaturalDataset, children: NaturalDataset[] = []): NaturalDataset => ({
  ...(relationship ? { RelationshipType: relationship } : {}),
  ValueType: valueType,
  ...(name ? { ConceptNameCodeSequence: [codeItem(name)] } : {}),
  ...value,
  ...(children.length > 0 ? { ContentSequence: children } : {}),
});

/** A CONTAINER; `template` names the TID it follows (ContentTemplateSequence, DCMR). */
export const container = (relationship: SrRelationship | null, name: SrCode, children: NaturalDataset[], template?: string): NaturalDataset =>
  item(relationship, 'CONTAINER', name, {
    ContinuityOfContent: 'SEPARATE',
    ...(template ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] } : {}),
  }, children);

export const codeContent = (relationship: SrRelationship, name: SrCode, value: SrCode): NaturalDataset => item(relationship, 'CODE', name, { ConceptCodeSequence: [codeItem(value)] });

/** TEXT is a UT: no length limit worth cutting at here. */
export const textContent = (relationship: SrRelationship, name: SrCode, text: string): NaturalDataset => item(relationship, 'TEXT', name, { TextValue: text });

export const uidContent = (relationship: SrRelationship, name: SrCode, uid: string): NaturalDataset => item(relationship, 'UIDREF', name, { UID: uid });

export const personContent = (relationship: SrRelationship, name: SrCode, person: string): NaturalDataset => item(relationship, 'PNAME', name, { PersonName: personName(person) });

/** A NUM with its unit; `children` say where the number comes from (INFERRED FROM …). */
export const numContent = (relationship: SrRelationship, name: SrCode, value: number, unit: SrCode, children: NaturalDataset[] = []): NaturalDataset =>
  item(relationship, 'NUM', name, { MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [codeItem(unit)], NumericValue: ds(value), FloatingPointValue: value }] }, children);

export const imageContent = (relationship: SrRelationship, name: SrCode | null, image: SrImageReference): NaturalDataset =>
  item(relationship, 'IMAGE', name, {
    ReferencedSOPSequence: [
      {
        ReferencedSOPClassUID: image.sopClassUid,
        ReferencedSOPInstanceUID: image.sopInstanceUid,
        ...(image.frameNumber !== null ? { ReferencedFrameNumber: image.frameNumber } : {}),
        ...(image.segmentNumber !== undefined ? { ReferencedSegmentNumber: image.segmentNumber } : {}),
      },
    ],
  });

/**
 * A SCOORD on one image: `points` are (column, row) pixel coordinates, (0, 0) the top left corner of
 * the top left pixel (PS3.3 C.18.6.1.1); its child says which image (and frame) it lies on.
 */
export const scoordContent = (relationship: SrRelationship, name: SrCode | null, graphicType: 'POINT' | 'MULTIPOINT' | 'POLYLINE' | 'CIRCLE' | 'ELLIPSE', points: readonly (readonly [number, number])[], on: SrImageReference): NaturalDataset =>
  item(relationship, 'SCOORD', name, { GraphicType: graphicType, GraphicData: points.flat() }, [imageContent('SELECTED FROM', null, on)]);
