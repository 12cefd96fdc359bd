/**
 * The file frame of the coordinators' state snapshots (`fjord-group-state.snapshot`,
 * `fjord-txn-state.snapshot`): the body, then its CRC-32C as a big-endian uint32. Written to
 * `<path>.tmp`, fsynced and renamed over `path`, so a reader sees the old file or the whole new one;
 * a torn or damaged file fails the CRC and the caller falls back to its log.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

import { crc32c } from '../native/index.ts';

const CRC_BYTES = 4;

export function writeChecksummedFile(path: string, body: Buffer): void {
  const crc = Buffer.alloc(CRC_BYTES);
  crc.writeUInt32BE(crc32c(body) >>> 0);
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, body);
    writeSync(fd, crc);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/**
 * The body of a file written by `writeChecksummedFile`; null when there is none. Throws an Error
 * naming the fault when the file is shorter than `minimumBodyBytes` or fails its CRC.
 */
export function readChecksummedFile(path: string, minimumBodyBytes: number): Buffer | null {
  if (!existsSync(path)) return null;
  const data = readFileSync(path);
  if (data.length < minimumBodyBytes + CRC_BYTES) throw new Error('too short');
  const body = data.subarray(0, data.length - CRC_BYTES);
  if ((crc32c(body) >>> 0) !== data.readUInt32BE(data.length - CRC_BYTES)) throw new Error('CRC mismatch');
  return body;
}
