// The reassembly kernel (assembly/reassembly/assembler.ts) against its TypeScript twin
// (src/kernels/tcp-reassembly.ts) and against a plain model: random sequences of inserts (any
// offset, length, overlap, policy) and window advances (delivery and skipped holes), run on both
// memories side by side. After every step the results, the state words, the range list and every
// byte held must agree, and match the model's.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  REASM_BLOCK,
  REASM_HEAD,
  REASM_MAX_RUNS,
  REASM_OUT_CONFLICT,
  REASM_OUT_NEW,
  REASM_OUT_OVERLAP,
  REASM_RUN_COUNT,
  REASM_RUNS,
  REASM_TABLE,
  REASM_TABLE_LEN,
} from '../src/kernels/tcp-reassembly.js';
import { reassemblyMemory, type ReassemblyMemory } from '../src/transport/tcp-buffers.js';
import { requireArena } from '../src/wasm/backend.js';

/** One memory with one direction's state block, and blocks allocated as the real caller does. */
class Side {
  readonly state: number;
  readonly held: number[] = [];
  constructor(readonly memory: ReassemblyMemory) {
    this.state = memory.pool.alloc();
    memory.heap().u32.fill(0, this.state >>> 2, (this.state + REASM_BLOCK) >>> 2);
  }
  word(at: number): number {
    return this.memory.heap().u32[(this.state + at) >>> 2]!;
  }
  runs(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.word(REASM_RUN_COUNT); i++) out.push([this.word(REASM_RUNS + i * 8), this.word(REASM_RUNS + i * 8 + 4)]);
    return out;
  }
  insert(rel: number, data: Uint8Array, policy: number): number {
    const u32 = this.memory.heap().u32;
    for (let b = rel >>> 12; b <= (rel + data.length - 1) >>> 12; b++) {
      const slot = (this.state + REASM_TABLE + b * 4) >>> 2;
      if (u32[slot] === 0) {
        u32[slot] = this.memory.pool.alloc();
        this.held.push(u32[slot]!);
      }
    }
    return this.memory.insert(this.state, rel, data, policy);
  }
  advance(n: number): number {
    const u32 = this.memory.heap().u32;
    const k = Math.min(REASM_TABLE_LEN, Math.floor((this.word(REASM_HEAD) + n) / REASM_BLOCK));
    for (let b = 0; b < k; b++) {
      const block = u32[(this.state + REASM_TABLE + b * 4) >>> 2]!;
      if (block !== 0) this.free(block);
    }
    return this.memory.advance(this.state, n);
  }
  byteAt(rel: number): number {
    const block = this.word(REASM_TABLE + (rel >>> 12) * 4);
    return this.memory.heap().u8[block + (rel & (REASM_BLOCK - 1))]!;
  }
  free(block: number): void {
    this.memory.pool.free(block);
    this.held.splice(this.held.indexOf(block), 1);
  }
  release(): void {
    for (const b of this.held) this.memory.pool.free(b);
    this.held.length = 0;
    this.memory.pool.free(this.state);
  }
}

type Op = { kind: 'insert'; d: number; data: Uint8Array; policy: number } | { kind: 'advance'; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), d: fc.integer({ min: 0, max: 20000 }), data: fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' }), policy: fc.constantFrom(0, 1) }) },
  // Small inserts near each other: many ranges, the merge-when-full path.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), d: fc.integer({ min: 0, max: 600 }), data: fc.uint8Array({ minLength: 1, maxLength: 4 }), policy: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), n: fc.integer({ min: 0, max: 9000 }) }) },
);

/** Many one- and two-byte segments over a short span: the range list fills, merges and refuses. */
const crowd: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('insert' as const), d: fc.integer({ min: 0, max: 1200 }), data: fc.uint8Array({ minLength: 1, maxLength: 2 }), policy: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), n: fc.integer({ min: 0, max: 300 }) }) },
);

describe('reassembly kernel: WebAssembly == TypeScript twin == model', () => {
  it.each([
    // Explicit sizes: by default fast-check keeps arrays to about ten elements (segments of ten bytes
    // would never cross a block).
    ['random inserts and advances', fc.array(op, { minLength: 1, maxLength: 80, size: 'max' }), 150],
    ['crowds of tiny segments (a full range list)', fc.array(crowd, { minLength: 100, maxLength: 300, size: 'medium' }), 15],
  ] as const)('agrees on %s', (_, ops, numRuns) => {
    const arena = requireArena();
    fc.assert(
      fc.property(ops, (ops) => {
        const w = new Side(reassemblyMemory(arena));
        const j = new Side(reassemblyMemory(null));
        // The model: absolute stream offset -> byte, and where the window's head is.
        const model = new Map<number, number>();
        let base = 0; // absolute offset of window origin 0
        let head = 0; // absolute offset of the head
        try {
          for (const o of ops) {
            if (o.kind === 'insert') {
              const relHead = head - base;
              const rel = relHead + o.d;
              if (rel + o.data.length > (REASM_TABLE_LEN - 1) * REASM_BLOCK) continue;
              const a = w.insert(rel, o.data, o.policy);
              const b = j.insert(rel, o.data, o.policy);
              expect(a).toBe(b);
              if (a >= 0) {
                let overlap = 0;
                let conflict = 0;
                o.data.forEach((v, i) => {
                  const at = head + o.d + i;
                  const had = model.get(at);
                  if (had === undefined) model.set(at, v);
                  else {
                    overlap++;
                    if (had !== v) {
                      conflict++;
                      if (o.policy === 1) model.set(at, v);
                    }
                  }
                });
                expect(a).toBe(o.data.length - overlap);
                expect([w.word(REASM_OUT_NEW), w.word(REASM_OUT_OVERLAP), w.word(REASM_OUT_CONFLICT)]).toEqual([a, overlap, conflict]);
              } else {
                // Refused: only when the pieces would not fit even after merging.
                expect(w.runs().length).toBeGreaterThan(1);
              }
            } else {
              const kw = w.advance(o.n);
              const kj = j.advance(o.n);
              expect(kw).toBe(kj);
              head += o.n;
              base += kw * REASM_BLOCK;
              for (const k of [...model.keys()]) if (k < head) model.delete(k);
            }
            for (const k of [REASM_RUN_COUNT, REASM_HEAD, REASM_OUT_NEW, REASM_OUT_OVERLAP, REASM_OUT_CONFLICT]) expect(w.word(k)).toBe(j.word(k));
            const runs = w.runs();
            expect(runs).toEqual(j.runs());
            expect(runs.length).toBeLessThanOrEqual(REASM_MAX_RUNS);
            expect(w.word(REASM_HEAD)).toBe(head - base);
            // Ranges: sorted, disjoint, at or after the head, and exactly the bytes the model holds.
            let covered = 0;
            for (let i = 0; i < runs.length; i++) {
              const [s, e] = runs[i]!;
              expect(s).toBeLessThan(e);
              expect(s).toBeGreaterThanOrEqual(head - base);
              if (i > 0) expect(s).toBeGreaterThanOrEqual(runs[i - 1]![1]);
              // One assertion per range (an expect per byte made large segments take minutes).
              for (let r = s; r < e; r++) {
                const want = model.get(base + r);
                if (w.byteAt(r) !== want || j.byteAt(r) !== want) expect([r, w.byteAt(r), j.byteAt(r)]).toEqual([r, want, want]);
              }
              covered += e - s;
            }
            expect(covered).toBe(model.size);
          }
        } finally {
          w.release();
          j.release();
        }
      }),
      { numRuns },
    );
  });

  it('refuses, changing nothing, when a segment would need more ranges than a direction has', () => {
    const arena = requireArena();
    for (const memory of [reassemblyMemory(arena), reassemblyMemory(null)]) {
      const s = new Side(memory);
      try {
        for (let i = 0; i < REASM_MAX_RUNS; i++) expect(s.insert(10 + i * 3, Uint8Array.of(i), 0)).toBe(1);
        const before = s.runs();
        expect(s.insert(10 + REASM_MAX_RUNS * 3 + 5, Uint8Array.of(1), 0)).toBe(-1);
        expect(s.runs()).toEqual(before);
        // Filling a hole between two ranges adds one piece: merged first, then accepted.
        expect(s.insert(11, Uint8Array.of(7, 7), 0)).toBe(2);
      } finally {
        s.release();
      }
    }
  });
});
