// The virtual phone's session description (RFC 4566, RFC 3264): a fixed audio offer/answer. No media
// flows; the port is only written, never bound.
import { isIP } from 'node:net';

/** The RTP port written in the virtual phone's SDP (nothing listens there). */
export const SDP_AUDIO_PORT = 16384;

/** An SDP offer or answer for PCMU, PCMA and telephone-event, as a desk phone sends it (CRLF lines). */
export function sdpBody(address: string, sessionId: number, port = SDP_AUDIO_PORT): string {
  const family = isIP(address.replace(/^\[|\]$/g, '')) === 6 ? 'IP6' : 'IP4';
  const host = address.replace(/^\[|\]$/g, '');
  return [
    'v=0',
    `o=root ${sessionId} ${sessionId} IN ${family} ${host}`,
    's=call',
    `c=IN ${family} ${host}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}
