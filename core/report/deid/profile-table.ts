// PS3.15 Annex E, Table E.1-1 "Application Level Confidentiality Profile Attributes", as data: one row
// per attribute with its Basic Profile action and the actions of the options implemented here.
//
// Transcribed by hand (tag, name, Basic Profile column and the option columns) from the text of the
// standard: the reStructuredText conversion of PS3.15 chapter E in github.com/chsasank/dicom_standard
// (source/part15/chapter_E.rst). That conversion names no edition; its Table E.1-1 has the Retain
// Institution Identity column and is followed by the Clean Structured Content concept table (Table
// E.3.4-1), i.e. an edition of about 2019-2020. Rows added to the standard later are not here; the
// de-identifier's rules by VR (deidentify.ts) cover dates, names and long texts the table does not list.
//
// Line format: tag|name|Basic Profile action|option actions, where the options are
//   uid  Retain UIDs Option                    dev  Retain Device Identity Option
//   pat  Retain Patient Characteristics Option  mod  Retain Longitudinal Temporal Information with Modified Dates Option
//   desc Clean Descriptors Option               inst Retain Institution Identity Option
// The Retain Longitudinal Temporal Information with Full Dates column is not written out: the standard
// marks it K on exactly the rows where the Modified Dates column has C (checked row by row against
// innolitics/dicom-standard's confidentiality_profile_attributes.json), so parseRow derives it.
// ("Private attributes" (gggg,eeee) with gggg odd: Basic X, Retain Safe Private C — see safe-private.ts.)
// Repeating groups are written with x: 50xx,xxxx (curves), 60xx,3000 / 60xx,4000 (overlays).

/** The Basic Profile's action codes (PS3.15 E.1.1). */
export type BasicAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

/** An option's action where its column has one: keep, clean, or (Retain UIDs on Referenced Patient Sequence) remove. */
export type OptionAction = 'K' | 'C' | 'X';

/** The options of PS3.15 E.3 whose columns are transcribed (Retain Safe Private is in safe-private.ts). */
export type TableOption =
  | 'retain-uids'
  | 'retain-device-identity'
  | 'retain-institution-identity'
  | 'retain-patient-characteristics'
  | 'retain-full-dates'
  | 'modified-dates'
  | 'clean-descriptions';

export interface ProfileRow {
  /** '(gggg,eeee)' as the standard writes it, x for a repeating group's digits. */
  tag: string;
  name: string;
  basic: BasicAction;
  options: Partial<Record<TableOption, OptionAction>>;
}

const OPTION_COLUMNS: Record<string, TableOption> = {
  uid: 'retain-uids',
  dev: 'retain-device-identity',
  pat: 'retain-patient-characteristics',
  mod: 'modified-dates',
  desc: 'clean-descriptions',
  inst: 'retain-institution-identity',
};

const BASIC_ACTIONS: ReadonlySet<string> = new Set(['D', 'Z', 'X', 'K', 'C', 'U', 'Z/D', 'X/Z', 'X/D', 'X/Z/D', 'X/Z/U*']);

const TRANSCRIPTION = `
0000,1000|Affected SOP Instance UID|X|uid=K
0000,1001|Requested SOP Instance UID|U|uid=K
0002,0003|Media Storage SOP Instance UID|U|uid=K
0004,1511|Referenced SOP Instance UID in File|U|uid=K
0008,0014|Instance Creator UID|U|uid=K
0008,0015|Instance Coercion DateTime|X|mod=C
0008,0018|SOP Instance UID|U|uid=K
0008,0020|Study Date|Z|mod=C
0008,0021|Series Date|X/D|mod=C
0008,0022|Acquisition Date|X/Z|mod=C
0008,0023|Content Date|Z/D|mod=C
0008,0024|Overlay Date|X|mod=C
0008,0025|Curve Date|X|mod=C
0008,002A|Acquisition DateTime|X/Z/D|mod=C
0008,0030|Study Time|Z|mod=C
0008,0031|Series Time|X/D|mod=C
0008,0032|Acquisition Time|X/Z|mod=C
0008,0033|Content Time|Z/D|mod=C
0008,0034|Overlay Time|X|mod=C
0008,0035|Curve Time|X|mod=C
0008,0050|Accession Number|Z|
0008,0058|Failed SOP Instance UID List|U|uid=K
0008,0080|Institution Name|X/Z/D|inst=K
0008,0081|Institution Address|X|inst=K
0008,0082|Institution Code Sequence|X/Z/D|inst=K
0008,0090|Referring Physician's Name|Z|
0008,0092|Referring Physician's Address|X|
0008,0094|Referring Physician's Telephone Numbers|X|
0008,0096|Referring Physician Identification Sequence|X|
0008,009C|Consulting Physician's Name|Z|
0008,009D|Consulting Physician Identification Sequence|X|
0008,0201|Timezone Offset From UTC|X|mod=C
0008,1010|Station Name|X/Z/D|dev=K
0008,1030|Study Description|X|desc=C
0008,103E|Series Description|X|desc=C
0008,1040|Institutional Department Name|X|inst=K
0008,1041|Institutional Department Type Code Sequence|X|inst=K
0008,1048|Physician(s) of Record|X|
0008,1049|Physician(s) of Record Identification Sequence|X|
0008,1050|Performing Physician's Name|X|
0008,1052|Performing Physician Identification Sequence|X|
0008,1060|Name of Physician(s) Reading Study|X|
0008,1062|Physician(s) Reading Study Identification Sequence|X|
0008,1070|Operators' Name|X/Z/D|
0008,1072|Operator Identification Sequence|X/D|
0008,1080|Admitting Diagnoses Description|X|desc=C
0008,1084|Admitting Diagnoses Code Sequence|X|desc=C
0008,1110|Referenced Study Sequence|X/Z|uid=K
0008,1111|Referenced Performed Procedure Step Sequence|X/Z/D|uid=K
0008,1120|Referenced Patient Sequence|X|uid=X
0008,1140|Referenced Image Sequence|X/Z/U*|uid=K
0008,1155|Referenced SOP Instance UID|U|uid=K
0008,1195|Transaction UID|U|uid=K
0008,2111|Derivation Description|X|desc=C
0008,2112|Source Image Sequence|X/Z/U*|uid=K
0008,3010|Irradiation Event UID|U|uid=K
0008,4000|Identifying Comments|X|desc=C
0010,0010|Patient's Name|Z|
0010,0020|Patient ID|Z|
0010,0021|Issuer of Patient ID|X|
0010,0030|Patient's Birth Date|Z|
0010,0032|Patient's Birth Time|X|
0010,0040|Patient's Sex|Z|pat=K
0010,0050|Patient's Insurance Plan Code Sequence|X|
0010,0101|Patient's Primary Language Code Sequence|X|
0010,0102|Patient's Primary Language Modifier Code Sequence|X|
0010,1000|Other Patient IDs|X|
0010,1001|Other Patient Names|X|
0010,1002|Other Patient IDs Sequence|X|
0010,1005|Patient's Birth Name|X|
0010,1010|Patient's Age|X|pat=K
0010,1020|Patient's Size|X|pat=K
0010,1030|Patient's Weight|X|pat=K
0010,1040|Patient's Address|X|
0010,1050|Insurance Plan Identification|X|
0010,1060|Patient's Mother's Birth Name|X|
0010,1080|Military Rank|X|
0010,1081|Branch of Service|X|
0010,1090|Medical Record Locator|X|
0010,1100|Referenced Patient Photo Sequence|X|
0010,2000|Medical Alerts|X|desc=C
0010,2110|Allergies|X|pat=C desc=C
0010,2150|Country of Residence|X|
0010,2152|Region of Residence|X|
0010,2154|Patient's Telephone Numbers|X|
0010,2155|Patient's Telecom Information|X|
0010,2160|Ethnic Group|X|pat=K
0010,2180|Occupation|X|desc=C
0010,21A0|Smoking Status|X|pat=K
0010,21B0|Additional Patient's History|X|desc=C
0010,21C0|Pregnancy Status|X|pat=K
0010,21D0|Last Menstrual Date|X|mod=C
0010,21F0|Patient's Religious Preference|X|
0010,2203|Patient's Sex Neutered|X/Z|pat=K
0010,2297|Responsible Person|X|
0010,2299|Responsible Organization|X|
0010,4000|Patient Comments|X|desc=C
0012,0010|Clinical Trial Sponsor Name|D|
0012,0020|Clinical Trial Protocol ID|D|
0012,0021|Clinical Trial Protocol Name|Z|
0012,0030|Clinical Trial Site ID|Z|inst=K
0012,0031|Clinical Trial Site Name|Z|inst=K
0012,0040|Clinical Trial Subject ID|D|
0012,0042|Clinical Trial Subject Reading ID|D|
0012,0050|Clinical Trial Time Point ID|Z|
0012,0051|Clinical Trial Time Point Description|X|desc=C
0012,0060|Clinical Trial Coordinating Center Name|Z|inst=K
0012,0071|Clinical Trial Series ID|X|
0012,0072|Clinical Trial Series Description|X|desc=C
0012,0081|Clinical Trial Protocol Ethics Committee Name|D|inst=K
0012,0082|Clinical Trial Protocol Ethics Committee Approval Number|X|
0016,002B|Maker Note|X|desc=C
0016,004B|Device Setting Description|X|desc=C
0016,004D|Camera Owner Name|X|
0016,004E|Lens Specification|X|dev=K
0016,004F|Lens Make|X|dev=K
0016,0050|Lens Model|X|dev=K
0016,0051|Lens Serial Number|X|dev=K
0016,0070|GPS Version ID|X|
0016,0071|GPS Latitude Ref|X|
0016,0072|GPS Latitude|X|
0016,0073|GPS Longitude Ref|X|
0016,0074|GPS Longitude|X|
0016,0075|GPS Altitude Ref|X|
0016,0076|GPS Altitude|X|
0016,0077|GPS Time Stamp|X|
0016,0078|GPS Satellites|X|
0016,0079|GPS Status|X|
0016,007A|GPS Measure Mode|X|
0016,007B|GPS DOP|X|
0016,007C|GPS Speed Ref|X|
0016,007D|GPS Speed|X|
0016,007E|GPS Track Ref|X|
0016,007F|GPS Track|X|
0016,0080|GPS Img Direction Ref|X|
0016,0081|GPS Img Direction|X|
0016,0082|GPS Map Datum|X|
0016,0083|GPS Dest Latitude Ref|X|
0016,0084|GPS Dest Latitude|X|
0016,0085|GPS Dest Longitude Ref|X|
0016,0086|GPS Dest Longitude|X|
0016,0087|GPS Dest Bearing Ref|X|
0016,0088|GPS Dest Bearing|X|
0016,0089|GPS Dest Distance Ref|X|
0016,008A|GPS Dest Distance|X|
0016,008B|GPS Processing Method|X|
0016,008C|GPS Area Information|X|
0016,008D|GPS Date Stamp|X|mod=C
0016,008E|GPS Differential|X|
0018,0010|Contrast/Bolus Agent|Z/D|desc=C
0018,1000|Device Serial Number|X/Z/D|dev=K
0018,1002|Device UID|U|uid=K dev=K
0018,1004|Plate ID|X|dev=K
0018,1005|Generator ID|X|dev=K
0018,1007|Cassette ID|X|dev=K
0018,1008|Gantry ID|X|dev=K
0018,1009|Unique Device Identifier|X|dev=K
0018,100A|UDI Sequence|X|dev=K
0018,100B|Manufacturer's Device Class UID|U|uid=K dev=K
0018,1030|Protocol Name|X/D|desc=C
0018,1400|Acquisition Device Processing Description|X/D|desc=C
0018,2042|Target UID|U|uid=K
0018,4000|Acquisition Comments|X|desc=C
0018,700A|Detector ID|X/D|dev=K
0018,9185|Respiratory Motion Compensation Technique Description|X|desc=C
0018,9367|X-Ray Source ID|D|dev=K
0018,9369|Source Start DateTime|D|mod=C
0018,936A|Source End DateTime|D|mod=C
0018,9371|X-Ray Detector ID|D|dev=K
0018,9373|X-Ray Detector Label|X|dev=K
0018,937B|Multi-energy Acquisition Description|X|desc=C
0018,937F|Decomposition Description|X|desc=C
0018,9424|Acquisition Protocol Description|X|desc=C
0018,9516|Start Acquisition DateTime|X/D|mod=C
0018,9517|End Acquisition DateTime|X/D|mod=C
0018,A003|Contribution Description|X|desc=C
0020,000D|Study Instance UID|U|uid=K
0020,000E|Series Instance UID|U|uid=K
0020,0010|Study ID|Z|
0020,0052|Frame of Reference UID|U|uid=K
0020,0200|Synchronization Frame of Reference UID|U|uid=K
0020,3401|Modifying Device ID|X|
0020,3406|Modified Image Description|X|
0020,4000|Image Comments|X|desc=C
0020,9158|Frame Comments|X|desc=C
0020,9161|Concatenation UID|U|uid=K
0020,9164|Dimension Organization UID|U|uid=K
0028,1199|Palette Color Lookup Table UID|U|uid=K
0028,1214|Large Palette Color Lookup Table UID|U|uid=K
0028,4000|Image Presentation Comments|X|
0032,0012|Study ID Issuer|X|
0032,1020|Scheduled Study Location|X|dev=K
0032,1021|Scheduled Study Location AE Title|X|dev=K
0032,1030|Reason for Study|X|desc=C
0032,1032|Requesting Physician|X|
0032,1033|Requesting Service|X|
0032,1060|Requested Procedure Description|X/Z|desc=C
0032,1066|Reason for Visit|X|desc=C
0032,1067|Reason for Visit Code Sequence|X|desc=C
0032,1070|Requested Contrast Agent|X|desc=C
0032,4000|Study Comments|X|desc=C
0034,0001|Flow Identifier Sequence|D|
0034,0002|Flow Identifier|D|
0034,0005|Source Identifier|D|
0034,0007|Frame Origin Timestamp|D|mod=C
0038,0004|Referenced Patient Alias Sequence|X|
0038,0010|Admission ID|X|
0038,0011|Issuer of Admission ID|X|
0038,0014|Issuer of Admission ID Sequence|X|
0038,001E|Scheduled Patient Institution Residence|X|
0038,0020|Admitting Date|X|mod=C
0038,0021|Admitting Time|X|mod=C
0038,0040|Discharge Diagnosis Description|X|desc=C
0038,0050|Special Needs|X|pat=C
0038,0060|Service Episode ID|X|
0038,0061|Issuer of Service Episode ID|X|
0038,0062|Service Episode Description|X|desc=C
0038,0064|Issuer of Service Episode ID Sequence|X|
0038,0300|Current Patient Location|X|
0038,0400|Patient's Institution Residence|X|
0038,0500|Patient State|X|pat=C desc=C
0038,4000|Visit Comments|X|desc=C
003A,0310|Multiplex Group UID|U|uid=K
003A,0314|Impedance Measurement DateTime|D|mod=C
0040,0001|Scheduled Station AE Title|X|dev=K
0040,0002|Scheduled Procedure Step Start Date|X|mod=C
0040,0003|Scheduled Procedure Step Start Time|X|mod=C
0040,0004|Scheduled Procedure Step End Date|X|mod=C
0040,0005|Scheduled Procedure Step End Time|X|mod=C
0040,0006|Scheduled Performing Physician's Name|X|
0040,0007|Scheduled Procedure Step Description|X|desc=C
0040,000B|Scheduled Performing Physician Identification Sequence|X|
0040,0010|Scheduled Station Name|X|dev=K
0040,0011|Scheduled Procedure Step Location|X|dev=K
0040,0012|Pre-Medication|X|pat=C
0040,0241|Performed Station AE Title|X|dev=K
0040,0242|Performed Station Name|X|dev=K
0040,0243|Performed Location|X|
0040,0244|Performed Procedure Step Start Date|X|mod=C
0040,0245|Performed Procedure Step Start Time|X|mod=C
0040,0250|Performed Procedure Step End Date|X|mod=C
0040,0251|Performed Procedure Step End Time|X|mod=C
0040,0253|Performed Procedure Step ID|X|
0040,0254|Performed Procedure Step Description|X|desc=C
0040,0275|Request Attributes Sequence|X|desc=C
0040,0280|Comments on the Performed Procedure Step|X|desc=C
0040,050A|Specimen Accession Number|X|
0040,0512|Container Identifier|D|
0040,0513|Issuer of the Container Identifier Sequence|Z|
0040,051A|Container Description|X|desc=C
0040,0551|Specimen Identifier|D|
0040,0554|Specimen UID|U|uid=K
0040,0555|Acquisition Context Sequence|X/Z|
0040,0562|Issuer of the Specimen Identifier Sequence|Z|
0040,0600|Specimen Short Description|X|desc=C
0040,0602|Specimen Detailed Description|X|desc=C
0040,0610|Specimen Preparation Sequence|Z|
0040,06FA|Slide Identifier|X|
0040,1001|Requested Procedure ID|X|
0040,1002|Reason for the Requested Procedure|X|desc=C
0040,1004|Patient Transport Arrangements|X|
0040,1005|Requested Procedure Location|X|
0040,100A|Reason for Requested Procedure Code Sequence|X|desc=C
0040,1010|Names of Intended Recipients of Results|X|
0040,1011|Intended Recipients of Results Identification Sequence|X|
0040,1101|Person Identification Code Sequence|D|
0040,1102|Person's Address|X|
0040,1103|Person's Telephone Numbers|X|
0040,1104|Person's Telecom Information|X|
0040,1400|Requested Procedure Comments|X|desc=C
0040,2001|Reason for the Imaging Service Request|X|desc=C
0040,2008|Order Entered By|X|
0040,2009|Order Enterer's Location|X|
0040,2010|Order Callback Phone Number|X|
0040,2011|Order Callback Telecom Information|X|
0040,2016|Placer Order Number / Imaging Service Request|Z|
0040,2017|Filler Order Number / Imaging Service Request|Z|
0040,2400|Imaging Service Request Comments|X|desc=C
0040,3001|Confidentiality Constraint on Patient Data Description|X|
0040,4005|Scheduled Procedure Step Start DateTime|X|mod=C
0040,4008|Scheduled Procedure Step Expiration DateTime|X|mod=C
0040,4010|Scheduled Procedure Step Modification DateTime|X|mod=C
0040,4011|Expected Completion DateTime|X|mod=C
0040,4023|Referenced General Purpose Scheduled Procedure Step Transaction UID|U|uid=K
0040,4025|Scheduled Station Name Code Sequence|X|dev=K
0040,4027|Scheduled Station Geographic Location Code Sequence|X|dev=K
0040,4028|Performed Station Name Code Sequence|X|dev=K
0040,4030|Performed Station Geographic Location Code Sequence|X|dev=K
0040,4034|Scheduled Human Performers Sequence|X|
0040,4035|Actual Human Performers Sequence|X|
0040,4036|Human Performer's Organization|X|
0040,4037|Human Performer's Name|X|
0040,4050|Performed Procedure Step Start DateTime|X|mod=C
0040,4051|Performed Procedure Step End DateTime|X|mod=C
0040,4052|Procedure Step Cancellation DateTime|X|mod=C
0040,A027|Verifying Organization|D|
0040,A073|Verifying Observer Sequence|D|
0040,A075|Verifying Observer Name|D|
0040,A078|Author Observer Sequence|X|
0040,A07A|Participant Sequence|X|
0040,A07C|Custodial Organization Sequence|X|
0040,A088|Verifying Observer Identification Code Sequence|Z|
0040,A123|Person Name|D|
0040,A124|UID|U|
0040,A171|Observation UID|U|uid=K
0040,A172|Referenced Observation UID (Trial)|U|uid=K
0040,A192|Observation Date (Trial)|X|mod=C
0040,A193|Observation Time (Trial)|X|mod=C
0040,A307|Current Observer (Trial)|X|
0040,A352|Verbal Source (Trial)|X|
0040,A353|Address (Trial)|X|
0040,A354|Telephone Number (Trial)|X|
0040,A358|Verbal Source Identifier Code Sequence (Trial)|X|
0040,A402|Observation Subject UID (Trial)|U|uid=K
0040,A730|Content Sequence|D|
0040,DB0C|Template Extension Organization UID|U|uid=K
0040,DB0D|Template Extension Creator UID|U|uid=K
0050,001B|Container Component ID|X|
0050,0020|Device Description|X|dev=K
0050,0021|Long Device Description|X|desc=C
0062,0021|Tracking UID|U|uid=K
0070,0001|Graphic Annotation Sequence|D|
0070,0084|Content Creator's Name|Z/D|
0070,0086|Content Creator's Identification Code Sequence|X|
0070,031A|Fiducial UID|U|uid=K
0070,1101|Presentation Display Collection UID|U|uid=K
0070,1102|Presentation Sequence Collection UID|U|uid=K
0088,0140|Storage Media File-set UID|U|uid=K
0088,0200|Icon Image Sequence|X|
0088,0904|Topic Title|X|
0088,0906|Topic Subject|X|
0088,0910|Topic Author|X|
0088,0912|Topic Keywords|X|
0400,0100|Digital Signature UID|U|
0400,0402|Referenced Digital Signature Sequence|X|
0400,0403|Referenced SOP Instance MAC Sequence|X|
0400,0404|MAC|X|
0400,0550|Modified Attributes Sequence|X|
0400,0561|Original Attributes Sequence|X|
0400,0600|Instance Origin Status|X|
2030,0020|Text String|X|
2200,0002|Label Text|X/Z|desc=C
2200,0005|Barcode Value|X/Z|
3006,0024|Referenced Frame of Reference UID|U|uid=K
3006,00C2|Related Frame of Reference UID|U|uid=K
3008,0054|First Treatment Date|X/D|mod=C
3008,0056|Most Recent Treatment Date|X/D|mod=C
3008,0105|Source Serial Number|X/Z|dev=K
3008,0250|Treatment Date|X/D|mod=C
3008,0251|Treatment Time|X/D|mod=C
300A,0002|RT Plan Label|D|desc=C
300A,0003|RT Plan Name|X|desc=C
300A,0004|RT Plan Description|X|desc=C
300A,0006|RT Plan Date|X/D|mod=C
300A,0007|RT Plan Time|X/D|mod=C
300A,000E|Prescription Description|X|desc=C
300A,0013|Dose Reference UID|U|uid=K
300A,0016|Dose Reference Description|X|desc=C
300A,0072|Fraction Group Description|X|desc=C
300A,0083|Referenced Dose Reference UID|U|uid=K
300A,00B2|Treatment Machine Name|X|dev=K
300A,00C3|Beam Description|X|desc=C
300A,00DD|Bolus Description|X|desc=C
300A,0196|Fixation Device Description|X|desc=C
300A,01A6|Shielding Device Description|X|desc=C
300A,01B2|Setup Technique Description|X|desc=C
300A,0216|Source Manufacturer|X|dev=K
300A,02EB|Compensator Description|X|desc=C
300A,0608|Treatment Position Group Label|D|desc=C
300A,0609|Treatment Position Group UID|U|uid=K
300A,0611|RT Accessory Holder Slot ID|Z|
300A,0615|RT Accessory Device Slot ID|Z|
300A,0619|Radiation Dose Identification Label|D|desc=C
300A,0623|Radiation Dose In-Vivo Measurement Label|D|desc=C
300A,062A|RT Tolerance Set Label|D|desc=C
300A,0650|Patient Setup UID|U|uid=K
300A,0676|Equipment Frame of Reference Description|X|desc=C
300A,067C|Radiation Generation Mode Label|D|desc=C
300A,067D|Radiation Generation Mode Description|Z|desc=C
300A,0700|Treatment Session UID|U|uid=K
300A,0734|Treatment Tolerance Violation Description|D|desc=C
300A,0736|Treatment Tolerance Violation DateTime|D|mod=C
300A,073A|Recorded RT Control Point DateTime|D|mod=C
300A,0741|Interlock DateTime|D|mod=C
300A,0742|Interlock Description|D|desc=C
300A,0760|Override DateTime|D|mod=C
300A,0783|Interlock Origin Description|D|desc=C
300C,0113|Reason for Omission Description|X|desc=C
300E,0008|Reviewer Name|X/Z|
3010,0006|Conceptual Volume UID|U|uid=K
3010,000B|Referenced Conceptual Volume UID|U|uid=K
3010,000F|Conceptual Volume Combination Description|Z|desc=C
3010,0013|Constituent Conceptual Volume UID|U|uid=K
3010,0015|Source Conceptual Volume UID|U|uid=K
3010,0017|Conceptual Volume Description|Z|desc=C
3010,001B|Device Alternate Identifier|Z|
3010,002D|Device Label|D|dev=K
3010,0031|Referenced Fiducials UID|U|uid=K
3010,0033|User Content Label|D|desc=C
3010,0034|User Content Long Label|D|desc=C
3010,0035|Entity Label|D|desc=C
3010,0036|Entity Name|X|desc=C
3010,0037|Entity Description|X|desc=C
3010,0038|Entity Long Label|D|desc=C
3010,003B|RT Treatment Phase UID|U|uid=K
3010,0043|Manufacturer's Device Identifier|Z|dev=K
3010,004C|Intended Phase Start Date|X/D|mod=C
3010,004D|Intended Phase End Date|X/D|mod=C
3010,0054|RT Prescription Label|D|desc=C
3010,0056|RT Treatment Approach Label|X/D|desc=C
3010,005A|RT Physician Intent Narrative|Z|desc=C
3010,005C|Reason for Superseding|Z|desc=C
3010,0061|Prior Treatment Dose Description|X|desc=C
3010,006E|Dosimetric Objective UID|U|uid=K
3010,006F|Referenced Dosimetric Objective UID|U|uid=K
3010,0077|Treatment Site|D|desc=C
3010,007A|Treatment Technique Notes|Z|desc=C
3010,007B|Prescription Notes|Z|desc=C
3010,007F|Fractionation Notes|Z|desc=C
3010,0081|Prescription Notes Sequence|Z|desc=C
4000,0010|Arbitrary|X|
4000,4000|Text Comments|X|
4008,0042|Results ID Issuer|X|
4008,0102|Interpretation Recorder|X|
4008,010A|Interpretation Transcriber|X|
4008,010B|Interpretation Text|X|desc=C
4008,010C|Interpretation Author|X|
4008,0111|Interpretation Approver Sequence|X|
4008,0114|Physician Approving Interpretation|X|
4008,0115|Interpretation Diagnosis Description|X|desc=C
4008,0118|Results Distribution List Sequence|X|
4008,0119|Distribution Name|X|
4008,011A|Distribution Address|X|
4008,0202|Interpretation ID Issuer|X|
4008,0300|Impressions|X|desc=C
4008,4000|Results Comments|X|desc=C
50xx,xxxx|Curve Data|X|
60xx,3000|Overlay Data|X|
60xx,4000|Overlay Comments|X|
FFFA,FFFA|Digital Signatures Sequence|X|
FFFC,FFFC|Data Set Trailing Padding|X|
`;

function parseRow(line: string): ProfileRow {
  const [tag, name, basic, options = ''] = line.split('|');
  if (!/^[0-9A-Fx]{4},[0-9A-Fx]{4}$/.test(tag) || !name || !BASIC_ACTIONS.has(basic)) throw new Error(`profile-table: bad row '${line}'`);
  const parsed: ProfileRow['options'] = {};
  for (const cell of options.split(' ').filter(Boolean)) {
    const [column, action] = cell.split('=');
    const option = OPTION_COLUMNS[column];
    if (!option || !['K', 'C', 'X'].includes(action)) throw new Error(`profile-table: bad option '${cell}' in '${line}'`);
    parsed[option] = action as OptionAction;
  }
  if (parsed['modified-dates'] === 'C') parsed['retain-full-dates'] = 'K';
  return { tag: `(${tag})`, name, basic: basic as BasicAction, options: parsed };
}

/** Every row of Table E.1-1 but the private-attributes row, in tag order. */
export const profileRows: readonly ProfileRow[] = TRANSCRIPTION.trim().split('\n').map(parseRow);

const tagNumber = (text: string): number => Number.parseInt(text.replace(/[(),]/g, ''), 16) >>> 0;

const exactRows = new Map<number, ProfileRow>();
/** Rows of repeating groups: the tag matches when (tag & mask) === value. */
const maskedRows: Array<{ mask: number; value: number; row: ProfileRow }> = [];
for (const row of profileRows) {
  if (!row.tag.includes('x')) {
    exactRows.set(tagNumber(row.tag), row);
    continue;
  }
  const digits = row.tag.replace(/[(),]/g, '');
  const mask = Number.parseInt(digits.replace(/[0-9A-F]/g, 'F').replace(/x/g, '0'), 16) >>> 0;
  maskedRows.push({ mask, value: Number.parseInt(digits.replace(/x/g, '0'), 16) >>> 0, row });
}

/** The table's row for a tag (group << 16 | element), or undefined when the table does not list it. */
export function profileRowOf(tag: number): ProfileRow | undefined {
  const exact = exactRows.get(tag);
  if (exact) return exact;
  for (const { mask, value, row } of maskedRows) if (((tag & mask) >>> 0) === value) return row;
  return undefined;
}
