/** A dicom-parser tag ('x7fe00010') as a person reads it: '(7FE0,0010)'. */
export const tagLabel = (tag: string): string => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
