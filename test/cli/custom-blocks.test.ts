// pcapng Custom Blocks (draft-ietf-opsawg-pcapng 4.6): skipped by the reader unless asked for
// (ReadOptions.customBlocks), then records of their own; `wirekit decode` and `stats` list them
// among the frames as tshark 4.0 does (make-custom-blocks.sh: both block types, named and unknown
// PENs, one above 2^31, empty data, a little- and a big-endian section).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import { cliFixture, expectAsTshark } from './cli-util.js';

const file = new Uint8Array(readFileSync(cliFixture('custom-blocks.pcapng')));

describe('pcapng Custom Blocks', () => {
  it('are skipped by default, and read as records of their own when asked for, in file order', () => {
    expect([...new CaptureReader().readSync(file)].map((r) => r.custom)).toEqual(Array(6).fill(undefined));
    const records = [...new CaptureReader({ customBlocks: true }).readSync(file)];
    expect(records).toHaveLength(24);
    const custom = records.filter((r) => r.custom !== undefined);
    // Both sections alike: the PEN in the section's byte order, the copy bit from the block type.
    for (const half of [custom.slice(0, 9), custom.slice(9)]) {
      expect(half.map((r) => r.custom)).toEqual([
        { pen: 32473, copy: true },
        { pen: 0, copy: false },
        { pen: 9, copy: true },
        { pen: 3648913408, copy: true },
        { pen: 123456, copy: false },
        { pen: 2, copy: true },
        { pen: 11, copy: true },
        { pen: 311, copy: true },
        { pen: 2636, copy: true },
      ]);
      // What follows the PEN, padding included (tshark's frame length).
      expect(half.map((r) => r.data.length)).toEqual([12, 4, 4, 8, 0, 8, 8, 8, 8]);
      expect(new TextDecoder().decode(half[0]!.data)).toBe('hello custom');
      for (const r of half) expect([r.linkType, r.untimed, r.timestamp]).toEqual([-1, true, 0n]);
    }
    expect(records[1]!.section).toBe(0);
    expect(records[13]!.section).toBe(1);
  });

  it('wirekit decode and stats: every summary line, frame.protocols and io,phs node as tshark', () => {
    const want = expectAsTshark('custom-blocks.pcapng');
    expect(want[1]).toMatch(/PCAPNG 12 Custom Block: PEN = Example Enterprise Number for Documentation Use \(32473\), will be copied$/);
    // The frames after a block keep their times (a block has none).
    expect(want[2]).toMatch(/^ +3 +0\.001000 /);
  });
});
