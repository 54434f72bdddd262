// The info tshark 4.0 gives a USB mass-storage command block wrapper (USB Mass Storage Class,
// Bulk-Only Transport 1.0 section 5.1) that its USBMS heuristics find on a bulk endpoint: the SCSI
// command by name (its SPC/SBC tables, as it reads them before an INQUIRY response says otherwise)
// with the LUN, and for reads, writes and their kind the LBA and length; opcodes it does not name
// as `SCSI Command: 0x.. LUN:0x..`. Names probed from tshark on every opcode.
const OPCODES: Record<number, string> = { 0x00: 'Test Unit Ready', 0x03: 'Request Sense', 0x04: 'Format Unit', 0x07: 'Reassign Blocks', 0x08: 'Read(6)', 0x0a: 'Write(6)', 0x12: 'Inquiry', 0x15: 'Mode Select(6)', 0x16: 'Reserve(6)', 0x17: 'Release(6)', 0x18: 'Copy', 0x1a: 'Mode Sense(6)', 0x1b: 'Start Stop Unit', 0x1c: 'Receive Diagnostics Results', 0x1d: 'Send Diagnostic', 0x1e: 'Prevent/Allow Medium Removal', 0x25: 'Read Capacity(10)', 0x28: 'Read(10)', 0x2a: 'Write(10)', 0x2b: 'Seek(10)', 0x2e: 'Write & Verify(10)', 0x2f: 'Verify(10)', 0x33: 'Set Limits(10)', 0x34: 'Pre-Fetch(10)', 0x35: 'Synchronize Cache(10)', 0x36: 'Lock Unlock Cache(10)', 0x37: 'Read Defect Data(10)', 0x39: 'Compare', 0x3a: 'Copy And Verify', 0x3b: 'Write Buffer', 0x3c: 'Read Buffer', 0x3e: 'Read Long(10)', 0x3f: 'Write Long', 0x40: 'Change Definition', 0x41: 'Write Same(10)', 0x42: 'Unmap', 0x48: 'Sanitize', 0x4c: 'Log Select', 0x4d: 'Log Sense', 0x50: 'XdWrite(10)', 0x51: 'XpWrite(10)', 0x52: 'XdRead(10)', 0x53: 'XdWriteRead(10)', 0x55: 'Mode Select(10)', 0x56: 'Reserve(10)', 0x57: 'Release(10)', 0x5a: 'Mode Sense(10)', 0x5e: 'Persistent Reserve In', 0x5f: 'Persistent Reserve Out', 0x7f: 'Variable Length CDB', 0x80: 'XdWrite Extended(16)', 0x81: 'Rebuild(16)', 0x82: 'Regenerate(16)', 0x83: 'Extended Copy', 0x84: 'Receive Copy', 0x86: 'Access Control In', 0x87: 'Access Control Out', 0x88: 'Read(16)', 0x89: 'Compare & Write(16)', 0x8a: 'Write(16)', 0x8b: 'OrWrite(16)', 0x8e: 'Write & Verify(16)', 0x8f: 'Verify(16)', 0x90: 'Pre-Fetch(16)', 0x91: 'Synchronize Cache(16)', 0x92: 'Lock Unlock Cache(16)', 0x93: 'Write Same(16)', 0x9c: 'Write Atomic(16)', 0x9e: 'Service Action In(16)', 0x9f: 'Service Action Out(16)', 0xa0: 'Report LUNs', 0xa3: 'Mgmt Protocol In', 0xa8: 'Read(12)', 0xaa: 'Write(12)', 0xae: 'Write & Verify(12)', 0xaf: 'Verify(12)', 0xb3: 'Set Limits(12)', 0xb7: 'Read Defect Data(12)' };

/** Opcodes tshark names but has no CDB dissector for: their bytes go to its data dissector. */
const UNREAD = new Set([0x18, 0x1c, 0x2b, 0x33, 0x36, 0x39, 0x3a, 0x3c, 0x40, 0x80, 0x81, 0x82, 0x86, 0x87, 0x92, 0xb3]);

/** Opcodes whose LBA and transfer length tshark shows, by CDB layout. */
const RW6 = new Set([0x08, 0x0a]);
const RW10 = new Set([0x28, 0x2a, 0x2e, 0x2f, 0x34, 0x35, 0x50, 0x51, 0x52, 0x53]);
const RW12 = new Set([0xa8, 0xaa, 0xae, 0xaf]);
const RW16 = new Set([0x88, 0x89, 0x8a, 0x8b, 0x8e, 0x8f, 0x90, 0x91]);
/** Service actions tshark names (SBC-3 and SPC-4), by opcode. */
const SERVICE_ACTIONS: Record<number, Record<number, string>> = {
  0x9e: { 0x10: 'READCAPACITY16', 0x12: 'GET_LBA_STATUS' },
  0x9f: { 0x11: 'WRITE_LONG16' },
  0xa3: { 0x05: 'Report Identifying Information', 0x0a: 'Report Target Port Groups', 0x0b: 'Report Aliases', 0x0c: 'Report Supported Opcodes', 0x0d: 'Report Supported Task Management Functions', 0x0e: 'Report Priority', 0x0f: 'Report Timestamp' },
};

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const be = (b: Uint8Array, at: number, n: number) => {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + (at + i < b.length ? b[at + i]! : 0);
  return v;
};

/** A 16-byte CDB's 64-bit LBA (bytes 2-9), past 2^53 exactly. */
const lba64 = (cdb: Uint8Array) => BigInt(be(cdb, 2, 4)) * 2n ** 32n + BigInt(be(cdb, 6, 4));

/**
 * The info of a 31-byte command block wrapper (`USBC`...), '' when it carries no command; and
 * whether tshark hands the command's bytes to its data dissector (an opcode it cannot read).
 */
export function scsiCommand(cbw: Uint8Array): { info: string; data: boolean } {
  const lun = cbw[13]! & 0x0f;
  const length = cbw[14]! & 0x1f;
  if (length === 0) return { info: '', data: false };
  const cdb = cbw.subarray(15, 15 + Math.min(length, 16));
  const op = cdb[0]!;
  const name = OPCODES[op];
  if (name === undefined) return { info: `SCSI Command: 0x${hex(op, 2)} LUN:0x${hex(lun, 2)} `, data: true };
  return { info: commandText(name, op, lun, cdb), data: UNREAD.has(op) };
}

function commandText(name: string, op: number, lun: number, cdb: Uint8Array): string {
  let text = `SCSI: ${name} LUN: 0x${hex(lun, 2)} `;
  if (RW6.has(op)) text = `${text}(LBA: 0x${hex(be(cdb, 1, 3) & 0x1fffff, 6)}, Len: ${be(cdb, 4, 1)})`;
  else if (RW10.has(op)) text = `${text}(LBA: 0x${hex(be(cdb, 2, 4), 8)}, Len: ${be(cdb, 7, 2)})`;
  else if (RW12.has(op)) text = `${text}(LBA: 0x${hex(be(cdb, 2, 4), 8)}, Len: ${be(cdb, 6, 4)})`;
  else if (RW16.has(op)) text = `${text}(LBA: ${lba64(cdb)}, Len: ${be(cdb, 10, 4)})`;
  else if (op === 0x9c) text = `${text}(LBA: ${lba64(cdb)}, Len: ${be(cdb, 12, 2)})`;
  else if (op === 0x1e) text = `${text} ${(cdb[4] ?? 0) & 1 ? 'PREVENT' : 'ALLOW'}`;
  else if (op === 0x9e || op === 0x9f) text = `${text} ${SERVICE_ACTIONS[op]![(cdb[1] ?? 0) & 0x1f] ?? 'RESERVED'}`;
  else if (op === 0xa3) text = `${text.slice(0, -1)} ${SERVICE_ACTIONS[op]![(cdb[1] ?? 0) & 0x1f] ?? 'Unknown'}`;
  return text;
}
