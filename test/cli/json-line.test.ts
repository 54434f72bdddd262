// The hand-written NDJSON path (FieldRecorder + writePacketJson) against the obvious one
// (Packet.fields() + JSON.stringify) on every fixture packet, and its escaping and buffering.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCaptureSync, type Packet } from 'wirekit';
import { ByteWriter } from '../../src/cli/byte-writer.js';
import { FieldRecorder } from '../../src/cli/field-recorder.js';
import { epochText, writePacketJson, type FrameFields } from '../../src/cli/json-line.js';
import { root } from './cli-util.js';

const FRAME: FrameFields = { number: 7, epoch: '1.000000001', length: 60, capturedLength: 60, interfaceId: 0, protocols: 'eth' };

/** One packet through the fast path, parsed back. */
function fastJson(packet: Packet, recorder = new FieldRecorder()): Record<string, unknown> {
  const chunks: Uint8Array[] = [];
  const w = new ByteWriter((c) => void chunks.push(c));
  recorder.record(packet);
  writePacketJson(w, FRAME, recorder, packet.errors);
  void w.endLine();
  void w.flush();
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.endsWith('}\n')).toBe(true);
  return JSON.parse(text) as Record<string, unknown>;
}

function expected(packet: Packet): Record<string, unknown> {
  return {
    'frame.number': FRAME.number,
    'frame.time_epoch': FRAME.epoch,
    'frame.len': FRAME.length,
    'frame.cap_len': FRAME.capturedLength,
    'frame.interface_id': FRAME.interfaceId,
    'frame.protocols': FRAME.protocols,
    ...packet.fields(),
    _errors: packet.errors.map((e) => ({ code: e.code, layer: e.layer, offset: e.offset ?? null })),
  };
}

const dirs = ['test/fixtures/wire', 'test/fixtures/capture-real'];
const files = dirs.flatMap((d) => readdirSync(`${root}${d}`).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `${d}/${f}`));

describe('NDJSON lines', () => {
  it.each(files)('%s: same keys, order and values as fields()', (file) => {
    const recorder = new FieldRecorder(); // one recorder for the whole file, as the CLI uses it
    for (const record of readCaptureSync(readFileSync(`${root}${file}`))) {
      const packet = decodePacket(record.data, { linkType: record.linkType });
      const ours = fastJson(packet, recorder);
      const theirs = expected(packet);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(ours).toEqual(theirs);
    }
  });

  it('the recorder answers field lookups like fields() (for -Y)', () => {
    const recorder = new FieldRecorder();
    for (const record of readCaptureSync(readFileSync(`${root}test/fixtures/capture-real/lo-eth.pcap`))) {
      const packet = decodePacket(record.data, { linkType: record.linkType });
      recorder.record(packet);
      const fields = packet.fields();
      for (const name of Object.keys(fields)) expect(recorder.get(name)).toEqual(fields[name]);
      expect(recorder.get('no.such.field')).toBeUndefined();
    }
  });

  it('escapes and encodes any string value as JSON.stringify would', () => {
    const values = ['plain', 'quote " and \\ backslash', 'ctrl \u0000\u0001\n\t\u001f', '·······AP···', 'é ü 中文', 'emoji 😀 pair', 'lone \ud800 surrogate', ''];
    // A layer wirekit does not know goes through fields(): a stand-in packet feeds the strings.
    const packet = { layers: [{ name: 'strings', header: {} }], errors: [], trailer: new Uint8Array(0), fields: () => Object.fromEntries(values.map((v, i) => [`s.${i}`, v])) };
    const parsed = fastJson(packet as unknown as Packet);
    values.forEach((v, i) => expect(parsed[`s.${i}`]).toBe(v));
  });

  it('keeps a line longer than a chunk whole', () => {
    const chunks: Uint8Array[] = [];
    const w = new ByteWriter((c) => void chunks.push(c));
    const recorder = new FieldRecorder();
    const big = 'ab:'.repeat(800_000);
    const packet = { layers: [{ name: 'x', header: {} }], errors: [], trailer: new Uint8Array(0), fields: () => ({ 'x.big': big, 'x.n': [1, 2] }) };
    recorder.record(packet as unknown as Packet);
    writePacketJson(w, FRAME, recorder, []);
    void w.endLine();
    void w.flush();
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    expect(parsed['x.big']).toBe(big);
    expect(parsed['x.n']).toEqual([1, 2]);
  });

  it('formats epoch times like formatEpoch', () => {
    expect(epochText(1_700_000_000_123_456_789n)).toBe('1700000000.123456789');
    expect(epochText(1_000_000_000n)).toBe('1.000000000');
    expect(epochText(5n)).toBe('0.000000005');
    expect(epochText(-1_500_000_000n)).toBe('-1.500000000');
  });
});
