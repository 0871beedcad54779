import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh secret per run: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

// Hashing first makes the comparison constant-time regardless of the guess's length.
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
export const tokensEqual = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));

/** Cookies are not isolated by port, so the name carries it: two hosts on one machine never share a session. */
export const cookieNameFor = (port: number): string => `vesalius_session_${port}`;

export const sessionCookie = (port: number, token: string): string =>
  `${cookieNameFor(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The request carries our token, in the session cookie or as `Authorization: Bearer <token>`. */
export function isAuthorized(req: IncomingMessage, port: number, token: string): boolean {
  const cookie = readCookie(req.headers.cookie, cookieNameFor(port));
  if (cookie !== null && tokensEqual(cookie, token)) return true;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return tokensEqual(auth.slice('Bearer '.length).trim(), token);
  return false;
}

/** Guards against DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends `Host: evil.example`. */
export const allowedHosts = (port: number): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

export const isAllowedHost = (req: IncomingMessage, port: number): boolean =>
  typeof req.headers.host === 'string' && allowedHosts(port).includes(req.headers.host.toLowerCase());

/** A WebSocket upgrade must come from a page of this very origin (browsers always send Origin on upgrades). */
export const isOwnOrigin = (req: IncomingMessage, port: number): boolean => {
  const origin = req.headers.origin;
  return typeof origin === 'string' && allowedHosts(port).some((host) => origin.toLowerCase() === `http://${host}`);
};
