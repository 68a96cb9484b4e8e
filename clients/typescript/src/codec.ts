// meetflow's payload codec (docs/codec.md): the sealing of the Rust crate meetflow-codec, so
// this client reads and writes the same encrypted workflows as the worker.
//
// Sealed payload: metadata { encoding: "binary/encrypted", "encryption-key-id": <id> },
// data = nonce (12 random bytes) ‖ AES-256-GCM ciphertext of the protobuf-encoded inner Payload ‖
// 16-byte tag. Payloads without that encoding pass through on decode, so switching the codec on
// needs no migration.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS module: from ESM only its default export is reliable.
import proto from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
export const KEY_ID = 'encryption-key-id';
const NONCE_LEN = 12;
const TAG_LEN = 16;
const KEY_LEN = 32;
const ProtoPayload = proto.temporal.api.common.v1.Payload;

/** The `[codec]` section of the worker's configuration, as this client needs it. */
export interface CodecOptions {
  /** Key id → base64 of 32 bytes. Every key decrypts; keep retired keys for old payloads. */
  keys: Record<string, string>;
  /** The key new payloads are sealed with (default: the first of `keys`). */
  encryptKeyId?: string;
}

export class MeetflowCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly encryptKeyId: string;

  constructor({ keys, encryptKeyId }: CodecOptions) {
    // The errors name the key id, never the key.
    this.keys = new Map(
      Object.entries(keys).map(([id, b64]) => {
        const key = Buffer.from(b64, 'base64');
        if (key.length !== KEY_LEN) throw new Error(`codec key ${id}: AES-256 needs ${KEY_LEN} bytes, got ${key.length}`);
        return [id, key];
      }),
    );
    const first = this.keys.keys().next();
    const chosen = encryptKeyId ?? (first.done ? undefined : first.value);
    if (chosen === undefined || !this.keys.has(chosen)) {
      throw new Error(`encrypting key id "${chosen ?? ''}" is not among the codec keys`);
    }
    this.encryptKeyId = chosen;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.open(p));
  }

  seal(payload: Payload): Payload {
    const key = this.keys.get(this.encryptKeyId)!;
    const nonce = randomBytes(NONCE_LEN);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const inner = ProtoPayload.encode(payload).finish();
    return {
      metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.encryptKeyId) },
      data: Buffer.concat([nonce, cipher.update(inner), cipher.final(), cipher.getAuthTag()]),
    };
  }

  open(payload: Payload): Payload {
    const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();
    if (text(payload.metadata?.encoding) !== ENCODING) return payload; // written before the codec was on
    const id = text(payload.metadata?.[KEY_ID]);
    const key = this.keys.get(id);
    if (!key) throw new Error(`payload was encrypted with key id "${id}", which is not configured`);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < NONCE_LEN + TAG_LEN) throw new Error(`payload sealed with "${id}" is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_LEN));
    decipher.setAuthTag(data.subarray(data.length - TAG_LEN));
    const inner = Buffer.concat([
      decipher.update(data.subarray(NONCE_LEN, data.length - TAG_LEN)),
      decipher.final(), // throws when the ciphertext or tag was altered
    ]);
    const { metadata, data: innerData } = ProtoPayload.decode(inner);
    return { metadata: metadata ?? {}, data: innerData ?? new Uint8Array() };
  }
}
