import type { AttributeContext, AttributeError } from './attributes/types.ts';
import { BgpMessageError, ErrorCode, HeaderSubcode, NeedMoreBytes } from './errors.ts';
import type { Decoded } from './errors.ts';
import { decodeHeader, frame, MessageType } from './header.ts';
import { decodeNotificationBody, encodeNotificationBody } from './notification.ts';
import type { NotificationMessage } from './notification.ts';
import { decodeOpenBody, encodeOpenBody } from './open.ts';
import type { OpenMessage } from './open.ts';
import { decodeRouteRefreshBody, encodeRouteRefreshBody } from './route-refresh.ts';
import type { RouteRefreshMessage } from './route-refresh.ts';
import { decodeUpdateBody, encodeUpdateBody } from './update.ts';
import type { UpdateMessage } from './update.ts';

/** KEEPALIVE is the bare header (RFC 4271 §4.4). */
export interface KeepaliveMessage {
  type: 'keepalive';
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

export interface DecodedMessage extends Decoded<BgpMessage> {
  /** Non-fatal RFC 7606 errors of an UPDATE; empty for other types. */
  attributeErrors: AttributeError[];
}

/** Until OPENs are exchanged, 4-octet AS is unknown; UPDATEs only flow after that. */
export const defaultContext: AttributeContext = { fourOctetAs: true };

export function encodeMessage(m: BgpMessage, ctx: AttributeContext = defaultContext): Buffer {
  switch (m.type) {
    case 'open':
      return frame(MessageType.Open, encodeOpenBody(m));
    case 'update':
      return frame(MessageType.Update, encodeUpdateBody(m, ctx));
    case 'notification':
      return frame(MessageType.Notification, encodeNotificationBody(m));
    case 'keepalive':
      return frame(MessageType.Keepalive, Buffer.alloc(0));
    case 'routeRefresh':
      return frame(MessageType.RouteRefresh, encodeRouteRefreshBody(m));
  }
}

/** Decodes one whole message from the front of `buf`; NeedMoreBytes when it is not all there. */
export function decodeMessage(buf: Buffer, ctx: AttributeContext = defaultContext): DecodedMessage {
  const { value: header, bytesRead: headerLen } = decodeHeader(buf);
  if (buf.length < header.length) throw new NeedMoreBytes(header.length - buf.length);
  const body = buf.subarray(headerLen, header.length);
  const done = (value: BgpMessage, attributeErrors: AttributeError[] = []): DecodedMessage => ({
    value,
    bytesRead: header.length,
    attributeErrors,
  });
  switch (header.type) {
    case MessageType.Open:
      return done(decodeOpenBody(body).value);
    case MessageType.Update: {
      const u = decodeUpdateBody(body, ctx);
      return done(u.value, u.errors);
    }
    case MessageType.Notification:
      return done(decodeNotificationBody(body).value);
    case MessageType.Keepalive:
      return done({ type: 'keepalive' });
    case MessageType.RouteRefresh:
      return done(decodeRouteRefreshBody(body).value);
    default:
      throw new BgpMessageError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, Buffer.from([header.type]));
  }
}

