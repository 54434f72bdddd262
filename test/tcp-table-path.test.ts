// pushTable takes a data segment that continues the previous packet's flow and direction (the
// common case of a capture) by a shorter path than packet by packet, and places a segment that
// waits ahead of the stream while views are held in one step. Neither may change anything a caller
// can see: the same chunks, gaps and closes, and at every callback the same counters, connection
// fields and buffer accounting as when each record goes through pushRecord (decodePacket, push),
// on random traffic over several connections, under every overlap policy and tight caps.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writePcap } from '../src/capture/writer.js';
import { indexCapture } from '../src/capture/index-capture.js';
import { setBackend } from '../src/wasm/backend.js';
import type { TcpReassemblyOptions } from '../src/transport/tcp-flows.js';
import { reassembleTcp } from '../src/transport/tcp-follow.js';
import { ACK, PSH, frame, randomTraffic, trafficDraws } from './util/tcp-traffic.js';
import { events, viaRecords, viaTable } from './util/reassembly-events.js';

afterEach(() => setBackend('auto'));

describe.each(['wasm', 'js'] as const)('pushTable against pushRecord (%s)', (backend) => {
  it('sees and hands on the same on random traffic, at every callback', () => {
    let continuing = 0;
    fc.assert(
      fc.property(
        ...trafficDraws(12000),
        fc.integer(),
        fc.integer({ min: 1, max: 40 }),
        fc.record({
          zeroCopy: fc.boolean(),
          overlap: fc.constantFrom<'first' | 'last' | 'tshark'>('first', 'last', 'tshark'),
          maxBufferedPerFlow: fc.option(fc.integer({ min: 0, max: 40000 }), { nil: undefined }),
          maxBufferedTotal: fc.option(fc.integer({ min: 0, max: 12 }).map((n) => n * 4096), { nil: undefined }),
          fillGaps: fc.boolean(),
          maxFlows: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
          idleTimeout: fc.option(fc.constantFrom(0.000001, 0.00002), { nil: undefined }),
        }),
        (pairs, isns, handshake, seed, window, options) => {
          setBackend(backend);
          const segs = randomTraffic(pairs, isns, handshake, seed, window, 0x2545f491);
          segs.forEach((s, i) => {
            const p = segs[i - 1];
            if (p !== undefined && p.conn === s.conn && p.from === s.from && s.flags === (ACK | PSH) && s.data.length >= 2 && s.cut === undefined) continuing++;
          });
          const frames = segs.map(frame);
          const file = writePcap(frames.map((data, i) => ({ data, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: data.length, originalLength: data.length, interfaceId: 0 })));
          const index = indexCapture(file);
          const records = viaRecords(file, index);
          const byRecord = events(records, options);
          const byTable = events(viaTable(index), options);
          expect(byTable).toEqual(byRecord);
          // reassembleTcp makes its own reassembler: compared with callbacks that see the connection only.
          expect(events((handlers, o) => reassembleTcp(file, handlers, o), options)).toEqual(events((handlers, o) => records(handlers, o), options));
        },
      ),
      { numRuns: 150 },
    );
    // The traffic exercised the shorter path, not only the general one.
    expect(continuing).toBeGreaterThan(1000);
  });
});
