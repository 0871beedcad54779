/** Zod issues in words, `field.path: message; …`, with `whole` naming the value itself when the path is empty. */
export const describeIssues = (issues: readonly { path: PropertyKey[]; message: string }[], whole: string): string =>
  issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : whole}: ${i.message}`).join('; ');
