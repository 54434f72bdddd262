import { it, expect } from 'vitest';
import { writePcap } from '../../src/capture/writer.js';
import { indexCapture } from '../../src/capture/index-capture.js';
import { setBackend } from '../../src/wasm/backend.js';
import { reassembleTcp } from '../../src/transport/tcp-follow.js';
import { frame, ACK, PSH, SYN } from '../util/tcp-traffic.js';
import { events, viaRecords } from '../util/reassembly-events.js';
it('x', () => {
  setBackend('wasm');
  const isn = 0;
  const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const frames = [
    frame({ conn: 0, from: 0, seq: isn, ack: 0, flags: SYN, data: new Uint8Array(0) }),
    frame({ conn: 0, from: 1, seq: 1000, ack: isn + 1, flags: SYN | ACK, data: new Uint8Array(0) }),
    frame({ conn: 0, from: 0, seq: isn + 1, ack: 1001, flags: ACK, data: new Uint8Array(0) }),
    frame({ conn: 0, from: 0, seq: isn + 1, ack: 1001, flags: ACK | PSH, data: data.subarray(0, 1000) }),
    frame({ conn: 0, from: 0, seq: isn + 1001, ack: 1001, flags: ACK | PSH, data: data.subarray(1000, 2000) }),
  ];
  frames[3]![46] = 0x60;
  const file = writePcap(frames.map((d, i) => ({ data: d, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: d.length, originalLength: d.length, interfaceId: 0 })));
  const index = indexCapture(file);
  const a = events(viaRecords(file, index), { zeroCopy: true }).map((e: any) => e[0] === 'end' ? e : [e[0], e[1], e[2], Array.isArray(e[3]) ? e[3].length : e[3], e[4]]);
  const b = events((h, o) => reassembleTcp(file, h, o), { zeroCopy: true }).map((e: any) => e[0] === 'end' ? e : [e[0], e[1], e[2], Array.isArray(e[3]) ? e[3].length : e[3], e[4]]);
  console.log(JSON.stringify(a, (k, v) => typeof v === 'bigint' ? String(v) : v));
  console.log(JSON.stringify(b, (k, v) => typeof v === 'bigint' ? String(v) : v));
});
