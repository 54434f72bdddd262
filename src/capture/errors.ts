// WireError helpers for the capture readers: every error names the file offset where the damage
// is, so a person can open the file in a hex editor (or `tshark -r`) and look.
import { WireError, type WireErrorCode } from '../errors.js';

export type CaptureLayer = 'pcap' | 'pcapng' | 'snoop' | 'netmon' | 'erf' | 'sniffer' | 'netxray' | 'lanalyzer' | 'visual' | 'observer' | 'fiveviews' | 'k12text' | 'commview' | 'nettl' | 'capture';

/** A WireError at a file offset. */
export function fileError(
  layer: CaptureLayer,
  code: WireErrorCode,
  message: string,
  offset: number,
  required?: number,
  available?: number,
): WireError {
  const details: { layer: string; offset: number; required?: number; available?: number } = { layer, offset };
  if (required !== undefined) details.required = required;
  if (available !== undefined) details.available = available;
  return new WireError(code, message, details);
}

/** The file ended inside a unit (header, record, block) that needed `required` bytes. */
export function truncatedAt(layer: CaptureLayer, what: string, offset: number, required: number, available: number): WireError {
  return fileError(
    layer,
    'truncated',
    `${what} at offset ${offset} needs ${required} bytes but the file ends after ${available}: the file was cut short`,
    offset,
    required,
    available,
  );
}
