// The application's version, as a constant: modules that test runners load without JSON support (Playwright's
// loader refuses `import … from 'package.json'`) read it here. core/version.test.ts keeps it equal to package.json.
export const VESALIUS_VERSION = '0.1.0';
