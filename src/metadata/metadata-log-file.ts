/**
 * The metadata log's file: an append-only sequence of length-prefixed, CRC-checked records.
 *
 * Format (big-endian):
 *
 *   file header  8 bytes   "FJMETA" (ASCII) + uint16 format version (1)
 *   frame        4 bytes   uint32 payload length, 1 .. MAX_METADATA_RECORD_BYTES
 *                4 bytes   uint32 CRC-32C of the payload
 *                n bytes   payload (one protobuf-encoded MetadataRecord)
 *
 * Every append is written at the end and fdatasync'ed before it is acknowledged. At open the
 * frames are read from the start; the file is cut at the first frame that is incomplete, has a
 * length out of range (a zero length is what a zero-filled tail after a crash looks like) or
 * fails its CRC, as the native partition log cuts a torn tail. A rewrite (compaction) writes a
 * whole new file beside it, fsyncs it, renames it over the old one and fsyncs the directory, so
 * a crash leaves either the old file or the new one, never a mix.
 *
 * Concurrency: one owner, which issues one operation at a time (the store serialises them).
 */
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { crc32c } from '../native/index.ts';

const MAGIC = Buffer.from('FJMETA', 'ascii');
const FORMAT_VERSION = 1;
const FILE_HEADER_BYTES = 8;
const FRAME_HEADER_BYTES = 8;
/** Bound on one record: a topic's config overrides are the largest, far below this. */
export const MAX_METADATA_RECORD_BYTES = 8 * 1024 * 1024;

function fileHeader(): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(FORMAT_VERSION, 6);
  return header;
}

function frames(payloads: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const payload of payloads) {
    if (payload.length < 1 || payload.length > MAX_METADATA_RECORD_BYTES) {
      throw new RangeError(`a metadata record must have 1 to ${MAX_METADATA_RECORD_BYTES} bytes, not ${payload.length}`);
    }
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32c(payload), 4);
    parts.push(header, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  }
  return Buffer.concat(parts);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface MetadataLogOpenResult {
  readonly file: MetadataLogFile;
  /** The payloads of every whole, CRC-valid record, in order. */
  readonly records: Uint8Array[];
  /** Bytes cut off the end (a torn or corrupt tail); 0 after a clean write. */
  readonly truncatedBytes: number;
}

export class MetadataLogFile {
  readonly path: string;
  readonly #dir: string;
  #handle: FileHandle;
  #sizeBytes: number;

  private constructor(dir: string, path: string, handle: FileHandle, sizeBytes: number) {
    this.#dir = dir;
    this.path = path;
    this.#handle = handle;
    this.#sizeBytes = sizeBytes;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Opens (creating if absent) `dir/name`, replays it and cuts a torn tail. */
  static async open(dir: string, name: string): Promise<MetadataLogOpenResult> {
    const path = join(dir, name);
    await rm(`${path}.tmp`, { force: true });
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      bytes = Buffer.alloc(0);
    }
    if (bytes.length < FILE_HEADER_BYTES) {
      // Absent, or a crash before the header of a new file reached the disk: start empty.
      await MetadataLogFile.#writeWhole(dir, path, []);
      const handle = await open(path, 'r+');
      return { file: new MetadataLogFile(dir, path, handle, FILE_HEADER_BYTES), records: [], truncatedBytes: bytes.length };
    }
    if (!bytes.subarray(0, 6).equals(MAGIC) || bytes.readUInt16BE(6) !== FORMAT_VERSION) {
      throw new Error(`${path} is not a fjord metadata log of format version ${FORMAT_VERSION}`);
    }
    const records: Uint8Array[] = [];
    let at = FILE_HEADER_BYTES;
    while (bytes.length - at >= FRAME_HEADER_BYTES) {
      const length = bytes.readUInt32BE(at);
      if (length < 1 || length > MAX_METADATA_RECORD_BYTES || length > bytes.length - at - FRAME_HEADER_BYTES) break;
      const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      if (crc32c(payload) !== bytes.readUInt32BE(at + 4)) break;
      records.push(payload);
      at += FRAME_HEADER_BYTES + length;
    }
    const handle = await open(path, 'r+');
    const truncatedBytes = bytes.length - at;
    if (truncatedBytes > 0) {
      await handle.truncate(at);
      await handle.sync();
    }
    return { file: new MetadataLogFile(dir, path, handle, at), records, truncatedBytes };
  }

  /** Appends records and fdatasyncs them: durable when this resolves. */
  async append(payloads: readonly Uint8Array[]): Promise<void> {
    const buffer = frames(payloads);
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await this.#handle.write(buffer, written, buffer.length - written, this.#sizeBytes + written);
      written += bytesWritten;
    }
    await this.#handle.datasync();
    this.#sizeBytes += buffer.length;
  }

  /** Replaces the whole file with `payloads` atomically (write, fsync, rename, fsync dir). */
  async rewrite(payloads: readonly Uint8Array[]): Promise<void> {
    // The old handle stays valid until the new file has replaced the old one by name.
    await MetadataLogFile.#writeWhole(this.#dir, this.path, payloads);
    const handle = await open(this.path, 'r+');
    const { size } = await handle.stat();
    const old = this.#handle;
    this.#handle = handle;
    this.#sizeBytes = size;
    await old.close();
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }

  static async #writeWhole(dir: string, path: string, payloads: readonly Uint8Array[]): Promise<void> {
    const temporary = `${path}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(Buffer.concat([fileHeader(), frames(payloads)]));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dir);
  }
}
