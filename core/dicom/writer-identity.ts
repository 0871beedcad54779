// Who wrote a file Vesalius exports: the file meta's implementation identity and the Equipment module,
// one definition for every writer (SEG, Encapsulated PDF, SR, converted dataset images).
import { VESALIUS_VERSION } from '../version';
import type { NaturalDataset } from './dcmjs-api';

/** Vesalius's Implementation Class UID (0002,0012), under the UUID-derived root 2.25. */
export const IMPLEMENTATION_CLASS_UID = '2.25.191918466318404853402389178364218813641';

export { VESALIUS_VERSION };

/** ImplementationVersionName (0002,0013), an SH: at most 16 characters. */
export const IMPLEMENTATION_VERSION_NAME = `VESALIUS_${VESALIUS_VERSION}`.slice(0, 16);

/**
 * General Equipment (PS3.3 C.7.5.1) and Enhanced General Equipment (C.7.5.2) attributes of a
 * Vesalius-made object: the software is the device, so its version is the SoftwareVersions.
 */
export function vesaliusEquipment(): NaturalDataset {
  return {
    Manufacturer: 'Vesalius',
    ManufacturerModelName: 'Vesalius',
    DeviceSerialNumber: '1',
    SoftwareVersions: VESALIUS_VERSION,
  };
}
