// meetflow's payload codec for @temporalio/client (and @temporalio/worker): the same sealing as
// the Rust crate meetflow-codec, so a PSA backend on the TypeScript SDK starts, signals, updates
// and queries the same encrypted workflows. docs/codec.md shows it as TypeScript; this file is the
// runnable copy the end-to-end test (tests/e2e/codec/typescript.rs) exercises.
//
// Sealed payload: metadata { encoding: "binary/encrypted", "encryption-key-id": <id> },
// data = nonce (12 random bytes) ‖ AES-256-GCM ciphertext of the protobuf-encoded inner Payload ‖
// 16-byte tag. Payloads without that encoding pass through on decode.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import proto from '@temporalio/proto';

const { Payload } = proto.temporal.api.common.v1;

export const ENCODING = 'binary/encrypted';
export const KEY_ID = 'encryption-key-id';
const NONCE_LEN = 12;
const TAG_LEN = 16;

/** @implements {import('@temporalio/common').PayloadCodec} */
export class MeetflowCodec {
  /**
   * @param {Record<string, string>} keys key id -> base64 of 32 bytes; every one decrypts
   * @param {string} [encryptKeyId] the key new payloads are sealed with (default: the first)
   */
  constructor(keys, encryptKeyId) {
    this.keys = new Map(
      Object.entries(keys).map(([id, b64]) => {
        const key = Buffer.from(b64, 'base64');
        if (key.length !== 32) throw new Error(`codec key ${id}: AES-256 needs 32 bytes`);
        return [id, key];
      }),
    );
    this.encryptKeyId = encryptKeyId ?? [...this.keys.keys()][0];
    if (!this.keys.has(this.encryptKeyId)) {
      throw new Error(`encrypting key id "${this.encryptKeyId}" is not among the keys`);
    }
  }

  async encode(payloads) {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads) {
    return payloads.map((p) => this.open(p));
  }

  seal(payload) {
    const nonce = randomBytes(NONCE_LEN);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.encryptKeyId), nonce);
    const inner = Payload.encode(payload).finish();
    return {
      metadata: {
        encoding: Buffer.from(ENCODING),
        [KEY_ID]: Buffer.from(this.encryptKeyId),
      },
      data: Buffer.concat([nonce, cipher.update(inner), cipher.final(), cipher.getAuthTag()]),
    };
  }

  open(payload) {
    const text = (bytes) => Buffer.from(bytes ?? []).toString();
    if (text(payload.metadata?.encoding) !== ENCODING) return payload; // not ours
    const id = text(payload.metadata[KEY_ID]);
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
    const { metadata, data: innerData } = Payload.decode(inner);
    return { metadata, data: innerData };
  }
}
