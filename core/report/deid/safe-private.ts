// The Retain Safe Private Option's allow-list (PS3.15 E.3.10): private attributes kept, with their
// Private Creator, when the option is chosen; every other private attribute is removed.
//
// Taken from the standard's sample list (PS3.15 Table E.3.10-1, "Safe Private Attributes", same edition as
// profile-table.ts), restricted to single numeric or coded values: its SQ, OB, UI and text entries
// (Hologic codec payloads, Siemens ultrasound streams, NQ UIDs and messages) are left out, because a
// sequence or a byte blob may carry anything and a UID would escape the UID mapping. Vendors do not
// guarantee these to be safe (the standard's own note); the list is short on purpose.

export interface SafePrivateAttribute {
  /** Private Creator value (gggg,00xx), compared after trimming padding. */
  creator: string;
  group: number;
  /** The element's low byte: (gggg,xxEE) where xx is the creator's block. */
  elementByte: number;
  meaning: string;
}

const entry = (creator: string, group: number, elementByte: number, meaning: string): SafePrivateAttribute => ({ creator, group, elementByte, meaning });

export const safePrivateAttributes: readonly SafePrivateAttribute[] = [
  entry('Philips PET Private Group', 0x7053, 0x00, 'SUV Factor'),
  entry('Philips PET Private Group', 0x7053, 0x09, 'Activity Concentration Factor'),
  entry('ELSCINT1', 0x00e1, 0x21, 'DLP'),
  entry('ELSCINT1', 0x00e1, 0x50, 'Acquisition Duration'),
  entry('ELSCINT1', 0x01e1, 0x26, 'Phantom Type'),
  entry('ELSCINT1', 0x01f1, 0x01, 'Acquisition Type'),
  entry('ELSCINT1', 0x01f1, 0x07, 'Table Velocity'),
  entry('ELSCINT1', 0x01f1, 0x26, 'Pitch'),
  entry('ELSCINT1', 0x01f1, 0x27, 'Rotation Time'),
  entry('GEMS_ACQU_01', 0x0019, 0x23, 'Table Speed [mm/rotation]'),
  entry('GEMS_ACQU_01', 0x0019, 0x24, 'Mid Scan Time [sec]'),
  entry('GEMS_ACQU_01', 0x0019, 0x27, 'Rotation Speed (Gantry Period)'),
  entry('GEMS_PARM_01', 0x0043, 0x27, 'Scan Pitch Ratio'),
  entry('GEMS_PARM_01', 0x0043, 0x39, '1st value is B Value'),
  entry('GEMS_PARM_01', 0x0043, 0x6f, 'Scanner Table Entry + Gradient Coil Selected'),
  entry('GEMS_HELIOS_01', 0x0045, 0x01, 'Number of Macro Rows in Detector'),
  entry('GEMS_HELIOS_01', 0x0045, 0x02, 'Macro width at ISO Center'),
  entry('GEMS_SERS_01', 0x0025, 0x07, 'Images in Series'),
  entry('GEIIS PACS', 0x0903, 0x10, 'Reject Image Flag'),
  entry('GEIIS PACS', 0x0903, 0x11, 'Significant Flag'),
  entry('GEIIS PACS', 0x0903, 0x12, 'Confidential Flag'),
  entry('Philips Imaging DD 001', 0x2001, 0x03, 'Diffusion B-Factor'),
  entry('Philips Imaging DD 001', 0x2001, 0x04, 'Diffusion Direction'),
  entry('Philips MR Imaging DD 001', 0x2005, 0x0d, 'Scale Intercept'),
  entry('Philips MR Imaging DD 001', 0x2005, 0x0e, 'Scale Slope'),
  entry('SIEMENS MR HEADER', 0x0019, 0x0c, 'B Value'),
  entry('SIEMENS MR HEADER', 0x0019, 0x0d, 'Diffusion Directionality'),
  entry('SIEMENS MR HEADER', 0x0019, 0x0e, 'Diffusion Gradient Direction'),
  entry('SIEMENS MR HEADER', 0x0019, 0x27, 'B Matrix'),
];

const safeKeys = new Set(safePrivateAttributes.map((a) => `${a.group}|${a.creator}|${a.elementByte}`));

/** Whether the private element (group, low byte) under this creator is on the allow-list. */
export const isSafePrivate = (group: number, creator: string, elementByte: number): boolean => safeKeys.has(`${group}|${creator}|${elementByte}`);
