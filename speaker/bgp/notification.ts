import { Cursor, malformed } from './cursor.ts';
import { CeaseSubcode, ErrorCode, notificationName } from './errors.ts';
import type { Decoded } from './errors.ts';

export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Buffer;
}

export function encodeNotificationBody(m: NotificationMessage): Buffer {
  return Buffer.concat([Buffer.from([m.code, m.subcode]), m.data]);
}

export function decodeNotificationBody(buf: Buffer): Decoded<NotificationMessage> {
  const c = new Cursor(buf, malformed(ErrorCode.MessageHeader, 2));
  const code = c.u8('error code');
  const subcode = c.u8('error subcode');
  const data = Buffer.from(c.bytes(c.remaining, 'data'));
  return { value: { type: 'notification', code, subcode, data }, bytesRead: buf.length };
}

const MAX_SHUTDOWN_MESSAGE = 255; // RFC 9003 (RFC 8203 allowed 128)

/** Data of a Cease/2 or Cease/4 NOTIFICATION carrying a shutdown communication (RFC 8203). */
export function shutdownCommunication(message: string): Buffer {
  let text = Buffer.from(message, 'utf8');
  if (text.length > MAX_SHUTDOWN_MESSAGE) {
    // Cut on a character boundary so the peer can still decode UTF-8.
    let n = MAX_SHUTDOWN_MESSAGE;
    while (n > 0 && ((text[n] ?? 0) & 0xc0) === 0x80) n--;
    text = text.subarray(0, n);
  }
  return Buffer.concat([Buffer.from([text.length]), text]);
}

/** The shutdown communication in a NOTIFICATION, or undefined when it has none or it is malformed. */
export function parseShutdownCommunication(m: Omit<NotificationMessage, 'type'>): string | undefined {
  if (m.code !== ErrorCode.Cease) return undefined;
  if (m.subcode !== CeaseSubcode.AdministrativeShutdown && m.subcode !== CeaseSubcode.AdministrativeReset) return undefined;
  const len = m.data[0];
  if (len === undefined || len === 0 || 1 + len > m.data.length) return undefined;
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(m.data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}

/** One line for logs: "Cease / Administrative Shutdown: \"maintenance\"". */
export function describeNotification(m: Omit<NotificationMessage, 'type'>): string {
  const msg = parseShutdownCommunication(m);
  return msg === undefined ? notificationName(m.code, m.subcode) : `${notificationName(m.code, m.subcode)}: ${JSON.stringify(msg)}`;
}
