// What a reassembler's callbacks see, event by event, to compare two ways of feeding it the same
// capture (test/tcp-table-path.test.ts, test/tcp-plan.test.ts).
import type { reassembleTcp } from '../../src/transport/tcp-follow.js';
import { TcpReassembler, type TcpConnection, type TcpReassemblyOptions } from '../../src/transport/tcp-flows.js';
import type { CaptureIndex } from '../../src/capture/index-capture.js';
import { decodeBatch } from '../../src/batch.js';

/** What a callback sees of a connection, and of the reassembler when it is known. */
function seen(r: TcpReassembler | undefined, c: TcpConnection): unknown {
  return [
    r?.stats(),
    r?.lastConnection?.stream,
    c.state,
    [...c.frames],
    [...c.frameBytes],
    c.lastTimestamp,
    c.directions.map((d) => [d.next, d.started, d.window, d.buffered, d.blocks, { ...d.stats }]),
  ];
}

export type Handlers = NonNullable<Parameters<typeof reassembleTcp>[1]>;

/**
 * Every event, with what the callback saw, then the final counters. `feed` makes the reassembler
 * and pushes the capture; it calls `bind` with the reassembler as soon as it has one (reassembleTcp
 * makes its own: its callbacks see the connection only).
 */
export function events(feed: (handlers: Handlers, options: TcpReassemblyOptions, bind: (r: TcpReassembler) => void) => TcpReassembler, options: TcpReassemblyOptions): unknown[] {
  const out: unknown[] = [];
  let r: TcpReassembler | undefined;
  const bind = (x: TcpReassembler) => (r = x);
  const done = feed(
    {
      onData: (c, dir, data, info) => out.push(['data', c.stream, dir, Array.from(data), info.offset, info.timestamp, info.filler ?? false, seen(r, c)]),
      onGap: (c, dir, size, reason, info) => out.push(['gap', c.stream, dir, size, reason, info.offset, info.timestamp, seen(r, c)]),
      onClose: (c, reason) => out.push(['close', c.stream, reason, seen(r, c)]),
    },
    options,
    bind,
  );
  out.push(['end', done.stats()]);
  return out;
}



type Feed = (handlers: Handlers, options: TcpReassemblyOptions, bind?: (r: TcpReassembler) => void) => TcpReassembler;

/** Feeds an indexed capture record by record through pushRecord (decodePacket, push). */
export function viaRecords(file: Uint8Array, index: CaptureIndex): Feed {
  return (handlers, options, bind) => {
    const r = new TcpReassembler(handlers, options);
    bind?.(r);
    for (let i = 0; i < index.count; i++) {
      const at = index.offsets[i]!;
      r.pushRecord({ data: file.subarray(at, at + index.lengths[i]!), linkType: index.linkTypes[i]!, timestamp: index.timestamps[i]!, capturedLength: index.lengths[i]!, originalLength: index.originalLengths[i]!, interfaceId: 0 });
    }
    r.end();
    return r;
  };
}

/** Feeds an indexed capture through pushTable, on a table decodeBatch made of it (an ordinary one: the TS planner's). */
export function viaTable(index: CaptureIndex): Feed {
  return (handlers, options, bind) => {
    const r = new TcpReassembler(handlers, options);
    bind?.(r);
    r.pushTable(decodeBatch(index), index);
    r.end();
    return r;
  };
}
