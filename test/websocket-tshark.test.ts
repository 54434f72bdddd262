// WebSocket framing against tshark 4.0 on a real loopback capture (test/fixtures/wire/
// make-websocket.sh: two conversations over python sockets, every header form, a fragmented
// message with a ping inside it, close frames, permessage-deflate). Each TCP connection is
// reassembled with reassembleTcp, its HTTP upgrade read by Http1Conversation, the bytes after the
// 101 by a WebSocketParser per direction; every frame's fields are compared, in order per
// direction, with tshark's: header fields, text of whole messages (decompressed), ping and pong
// data, close code and reason, and binary messages' bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Http1Conversation, httpHeader } from '../src/application/http1.js';
import { WebSocketParser, websocketFields, type WebSocketFrame, type WebSocketMessage } from '../src/application/websocket.js';
import { reassembleTcp, setBackend } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

interface TsharkPacket {
  'frame.number': string;
  'tcp.stream': string;
  'tcp.srcport': string;
  websocket: Record<string, unknown> | Record<string, unknown>[];
  'websocket.payload.continue'?: string;
  'data.data'?: string | { length: number; sha256: string };
}

/** tshark's frames of one direction (stream and source port), flattened to field name -> string. */
function tsharkFrames(): Map<string, Record<string, string>[]> {
  const packets = JSON.parse(readFileSync(fixture('websocket.json'), 'utf8')) as TsharkPacket[];
  const out = new Map<string, Record<string, string>[]>();
  const flat = (node: unknown, into: Record<string, string>) => {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (typeof v === 'string') into[k] = v;
      else if (v !== null && typeof v === 'object') flat(v, into);
    }
  };
  for (const p of packets) {
    const key = `${p['tcp.stream']}/${p['tcp.srcport']}`;
    const list = out.get(key) ?? [];
    const layers = Array.isArray(p.websocket) ? p.websocket : [p.websocket];
    for (const layer of layers) {
      const f: Record<string, string> = {};
      flat(layer, f);
      list.push(f);
    }
    // Fields tshark puts beside the websocket layer belong to the packet's (single) frame.
    const last = list[list.length - 1]!;
    if (p['websocket.payload.continue'] !== undefined) last['websocket.payload.continue'] = p['websocket.payload.continue'];
    if (p['data.data'] !== undefined) last['data.data'] = JSON.stringify(p['data.data']);
    out.set(key, list);
  }
  return out;
}

interface Ours {
  frame: WebSocketFrame;
  message: WebSocketMessage | undefined;
  deflate: boolean;
}

/** Our frames per direction (stream and source port), each with the message it completes. */
function ourFrames(): Map<string, Ours[]> {
  const capture = new Uint8Array(readFileSync(fixture('websocket.pcap')));
  const out = new Map<string, Ours[]>();
  const conns = new Map<number, { conv: Http1Conversation; ws: (WebSocketParser | undefined)[] }>();
  reassembleTcp(capture, {
    onData: (conn, dir, bytes) => {
      let c = conns.get(conn.stream);
      if (c === undefined) {
        const ws: (WebSocketParser | undefined)[] = [undefined, undefined];
        let deflate = false;
        const conv = new Http1Conversation(
          {
            onMessage: (_d, m) => {
              if (m.type === 'response' && m.status === 101) deflate = /permessage-deflate/i.test(httpHeader(m, 'sec-websocket-extensions') ?? '');
            },
            onTunnel: (d, data, offset) => {
              if (ws[d] === undefined) {
                const key = `${conn.stream}/${conn.ports[d]}`;
                const list: Ours[] = [];
                out.set(key, list);
                let pending: WebSocketFrame | undefined;
                const flush = (message: WebSocketMessage | undefined) => {
                  if (pending !== undefined) list.push({ frame: pending, message, deflate });
                  pending = undefined;
                };
                ws[d] = new WebSocketParser(
                  {
                    // A frame is listed once we know whether it completed a message (onMessage
                    // follows its final frame's onFrame at once).
                    onFrame: (f) => {
                      flush(undefined);
                      pending = f;
                      if (!f.fin || f.opcode >= 8) flush(undefined);
                    },
                    onMessage: (m) => flush(m),
                  },
                  { deflate, sender: d === 0 ? 'client' : 'server', offset },
                );
              }
              ws[d]!.push(data);
            },
          },
          { client: 0 },
        );
        c = { conv, ws };
        conns.set(conn.stream, c);
      }
      c.conv.push(dir, bytes);
    },
  });
  return out;
}

/** Our fields in tshark's string forms, plus the binary message's bytes as tshark's data layer. */
function shown(o: Ours): Record<string, string> {
  const f = websocketFields(o.frame, { message: o.message, deflate: o.deflate });
  const s: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) s[k] = k === 'websocket.rsv' ? `0x${(v as number).toString(16).padStart(2, '0')}` : String(v);
  if (o.message !== undefined && o.message.opcode === 2 && o.message.data.length > 0) {
    const d = Buffer.from(o.message.data).toString('hex');
    s['data.data'] = JSON.stringify(d.length <= 256 ? d : { length: o.message.data.length, sha256: createHash('sha256').update(o.message.data).digest('hex') });
  }
  return s;
}

describe('WebSocket against tshark 4.0 (make-websocket.sh)', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`every frame of every direction, in order (${backend})`, () => {
      setBackend(backend);
      try {
        const theirs = tsharkFrames();
        const ours = ourFrames();
        expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
        let compared = 0;
        for (const [key, list] of theirs) {
          const mine = ours.get(key)!;
          expect(mine.length, key).toBe(list.length);
          list.forEach((t, i) => {
            // FT_NONE markers tshark prints as empty strings carry no value.
            const want = Object.fromEntries(Object.entries(t).filter(([k, v]) => !(v === '' && (k === 'websocket.payload' || k === 'websocket.masked_payload'))));
            expect(shown(mine[i]!), `${key} frame ${i}`).toEqual(want);
            compared++;
          });
        }
        expect(compared).toBeGreaterThanOrEqual(20);
        // Both closes, a decompressed message each way, the 70000-byte binary message.
        const all = [...ours.values()].flat();
        expect(all.filter((o) => o.frame.opcode === 8).map((o) => o.frame.closeCode)).toEqual(expect.arrayContaining([1000, 1001]));
        expect(all.filter((o) => o.message?.compressed).map((o) => o.message!.text)).toEqual(expect.arrayContaining(['client says hi']));
        expect(all.some((o) => o.message?.data.length === 70000)).toBe(true);
        expect(all.every((o) => o.frame.problems === undefined)).toBe(true);
      } finally {
        setBackend('auto');
      }
    });
  }
});
